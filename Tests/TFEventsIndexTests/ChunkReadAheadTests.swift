import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic
import TFEventsTestSupport

/// Chunks decoded ahead on other threads reach the consumer in order, the
/// same as one thread decoding them; a damaged chunk stops the walk there
/// with its error, after every chunk before it, and nothing hangs.
@Suite("Index chunks decoded ahead")
struct ChunkReadAheadTests {
    /// A log directory of three files indexed in chunks of 700 points.
    static func index(in scratch: ScratchDirectory, jobs: Int) throws -> LogdirIndex {
        let logdir = scratch.path + "/logs"
        try FileManager.default.createDirectory(atPath: logdir + "/eval", withIntermediateDirectories: true)
        for seed in 1 ... 3 where !FileManager.default.fileExists(atPath: logdir + "/eval/events.out.tfevents.\(seed).gen") {
            _ = try EvalLogGenerator.writeFile(path: logdir + "/eval/events.out.tfevents.\(seed).gen", seed: UInt64(seed),
                                               limit: .bytes(150_000))
        }
        var options = IndexOptions()
        options.chunkPointLimit = 700
        options.jobs = jobs
        let index = try LogdirIndex(logdir: logdir, indexPath: scratch.path + "/index", options: options)
        try index.update()
        return index
    }

    /// Every point as (file, tag id, event, value bits, step), chunk by
    /// chunk, into `chunks` (kept when the walk throws midway).
    static func walk(_ index: LogdirIndex, into chunks: inout [[UInt64]]) throws(IndexError) {
        try index.forEachScalarChunk { file, columns in
            var chunk: [UInt64] = [UInt64(file.relativePath.hashValue.magnitude)]
            for i in columns.values.indices {
                chunk += [UInt64(columns.pointTags[i]), UInt64(columns.pointEvents[i]), columns.values[i].bitPattern,
                          UInt64(bitPattern: columns.eventSteps[Int(columns.pointEvents[i])])]
            }
            chunks.append(chunk)
        }
    }

    static func walk(_ index: LogdirIndex) throws -> [[UInt64]] {
        var chunks: [[UInt64]] = []
        try walk(index, into: &chunks)
        return chunks
    }

    @Test("two, three or eight decoders give the chunks of one, in order")
    func sameAsSerial() throws {
        let scratch = ScratchDirectory()
        let serial = try Self.walk(try Self.index(in: scratch, jobs: 1))
        #expect(serial.count > 20)
        for jobs in [2, 3, 8] {
            #expect(try Self.walk(try Self.index(in: scratch, jobs: jobs)) == serial, "jobs \(jobs)")
        }
    }

    @Test("a damaged chunk: the chunks before it, then its error (no hang, every decoder stopped)")
    func damagedChunk() throws {
        let scratch = ScratchDirectory()
        let index = try Self.index(in: scratch, jobs: 2)
        let serial = try Self.walk(index)
        // Flip a byte inside the payload of the 12th chunk overall.
        let locations = index.files.flatMap(\.chunks)
        let damaged = locations[11].segmentOffset + IndexFileFormat.segmentHeaderLength + 3
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: scratch.path + "/index"))
        try handle.seek(toOffset: UInt64(damaged))
        let byte = try handle.read(upToCount: 1) ?? Data([0])
        try handle.seek(toOffset: UInt64(damaged))
        try handle.write(contentsOf: Data([byte[0] ^ 0x40]))
        try handle.close()
        for jobs in [1, 2, 4] {
            var options = IndexOptions()
            options.jobs = jobs
            let reopened = try LogdirIndex(logdir: index.logdir, indexPath: scratch.path + "/index", options: options)
            try reopened.load()
            var seen: [[UInt64]] = []
            var failure: IndexError?
            do { try Self.walk(reopened, into: &seen) } catch { failure = error }
            #expect(seen == Array(serial.prefix(11)), "jobs \(jobs)")
            #expect(failure?.isRebuildable == true, "jobs \(jobs)")
        }
    }
}
