import Foundation
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// `forEachBufferedRecord(before:_:)` serves the records of the buffer in
/// one loop and leaves everything else to `next()`: a reader that takes
/// runs from it between calls of `next()` must report exactly what `next()`
/// alone reports — records, errors with their offsets, the end state — on
/// damaged files, through every kind of buffer, under every policy.
@Suite("Buffered record runs equal reading one record at a time")
struct BufferedRecordsTests {
    static let original = EvalLogGenerator.bytes(seed: 5, encoding: .mixed, limit: .events(120)).bytes

    static var policies: [(String, RecordReaderOptions)] {
        var noChecksum = RecordReaderOptions()
        noChecksum.verifyPayloadChecksums = false
        var small = RecordReaderOptions()
        small.maxRecordLength = 100  // some records are refused as too large
        return [("default", .init()), ("stop", .stopAtFirstError), ("no checksum", noChecksum), ("max 100", small)]
    }

    /// The damaged copies of the shared helper, plus random flips.
    static func inputs() throws -> [(String, [UInt8])] {
        let scratch = ScratchDirectory()
        var inputs = try DamagedCopies.write(of: original, in: scratch.path).map {
            ($0, [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))))
        }
        var random = SplitMix64(seed: 12)
        for round in 0 ..< 40 {
            var bytes = original
            for _ in 0 ... random.nextInt(below: 3) { bytes[random.nextInt(below: bytes.count)] ^= UInt8(1 + random.nextInt(below: 255)) }
            inputs.append(("flips \(round)", bytes))
        }
        return inputs
    }

    @Test("contiguous buffers and stream windows, damaged files, every policy")
    func buffersAndWindows() throws {
        var served = 0
        for (name, bytes) in try Self.inputs() {
            for (policy, options) in Self.policies {
                for refusing in [1, 3, 1_000_000] {
                    let context = "\(name), \(policy), refusing every \(refusing)"
                    var one = RecordReader(bytes: bytes, options: options)
                    var buffered = RecordReader(bytes: bytes, options: options)
                    let expected = ReadOutcome(reading: &one)
                    let outcome = ReadOutcome(readingBuffered: &buffered, refusingEvery: refusing)
                    #expect(outcome == expected, "\(context)")
                    #expect(!outcome.recordOffsets.contains(-1), "\(context): a record past the limit")
                    var streamed = RecordReader(stream: ChunkedByteStream(bytes, maxChunk: 900, seed: 3), path: "<stream>",
                                                windowCapacity: 2_048, options: options)
                    #expect(ReadOutcome(readingBuffered: &streamed, refusingEvery: refusing) == expected, "\(context), streamed")
                    served += expected.records.count
                }
            }
        }
        #expect(served > 10_000)
    }

    @Test("a mapped file, damaged copies, every policy")
    func mappedFiles() throws {
        let scratch = ScratchDirectory()
        for path in try DamagedCopies.write(of: Self.original, in: scratch.path) {
            for (policy, options) in Self.policies {
                var one = try RecordReader(path: path, options: options)
                var buffered = try RecordReader(path: path, options: options)
                let expected = ReadOutcome(reading: &one)
                #expect(ReadOutcome(readingBuffered: &buffered, refusingEvery: 5) == expected, "\(path), \(policy)")
                #expect(!expected.records.isEmpty)
            }
        }
    }

    @Test("no record at or past the limit is handed out")
    func limit() {
        let stop = Self.clean.records[40].offset + 1  // inside record 40
        var reader = RecordReader(bytes: Self.original)
        var offsets: [Int] = []
        reader.forEachBufferedRecord(before: stop) { record in
            offsets.append(record.offset)
            return true
        }
        #expect(offsets == Self.clean.records.prefix(41).map(\.offset))
        #expect(reader.offset == Self.clean.records[41].offset)
        var none: [Int] = []
        reader.forEachBufferedRecord(before: stop) { none.append($0.offset); return true }
        #expect(none.isEmpty)
    }

    static let clean = ReadOutcome.contiguous(original)
}
