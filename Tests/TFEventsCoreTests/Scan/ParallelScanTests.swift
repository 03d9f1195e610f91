import Foundation
import Synchronization
import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Scanning files in parallel gives, for every file, exactly the summary
/// a serial scan gives, in the order the files were named.
@Suite("Parallel scan")
struct ParallelScanTests {
    @Test("every fixture file (damaged and compressed ones too) and generated logs: parallel equals serial, for 1 to 4 jobs")
    func parallelEqualsSerial() throws {
        let scratch = ScratchDirectory()
        var paths = EventFileDiscovery.expand(["tf1", "tf2", "tensorboardx", "estimator", "corrupt", "compressed"]
            .map(FixtureLibrary.path)).files
        for seed in 1 ... 3 {
            let path = scratch.path + "/events.out.tfevents.\(seed).gen"
            _ = try EvalLogGenerator.writeFile(path: path, seed: UInt64(seed), limit: .bytes(seed << 20))
            paths.append(path)
        }
        // A damaged copy: a flipped byte in the middle and a cut tail.
        var damaged = try [UInt8](Data(contentsOf: URL(fileURLWithPath: paths.last!)))
        damaged[damaged.count / 2] ^= 0x5A
        damaged.removeLast(7)
        let damagedPath = scratch.path + "/events.out.tfevents.9.damaged"
        try Data(damaged).write(to: URL(fileURLWithPath: damagedPath))
        paths.append(damagedPath)
        paths.append(scratch.path + "/events.out.tfevents.missing")  // unreadable

        let scanner = FileScanner()  // the defaults: skip bad records, go on
        let serial = paths.map { scanner.scan(path: $0) }
        #expect(serial.contains { $0.corruptRecords > 0 } && serial.contains { $0.unreadable })
        for jobs in 1 ... 4 {
            let progressed = Atomic<Int>(0)
            let parallel = scanner.scan(paths: paths, jobs: jobs) { done in progressed.store(done, ordering: .relaxed) }
            #expect(parallel.count == serial.count)
            for (a, b) in zip(serial, parallel) { #expect(a == b, "\(a.path), \(jobs) jobs") }
            #expect(progressed.load(ordering: .relaxed) > 0)
        }
    }

    @Test("ranges of one file read side by side equal one reader, on fixtures and damaged files, for every policy")
    func rangesEqualSerial() throws {
        let scratch = ScratchDirectory()
        let generated = scratch.path + "/events.out.tfevents.0.gen"
        _ = try EvalLogGenerator.writeFile(path: generated, seed: 11, limit: .bytes(120_000))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: generated)))
        var paths = try DamagedCopies.write(of: bytes, in: scratch.path)
        // The fixtures of up to 100 KB (cutting the estimator's 1 MB graph
        // records into 700-byte ranges only repeats the same search).
        paths += EventFileDiscovery.expand(["tf1", "tf2", "tensorboardx", "estimator", "corrupt", "compressed"]
            .map(FixtureLibrary.path)).files.filter { ((try? FileIdentity(path: $0).size) ?? 0) <= 100_000 }
        var policies: [RecordReaderOptions] = [.init(), .stopAtFirstError]
        policies.append({ var o = RecordReaderOptions(); o.onPayloadMismatch = .stop; return o }())
        policies.append({ var o = RecordReaderOptions(); o.verifyPayloadChecksums = false; return o }())
        var cutFiles = 0
        for options in policies {
            let scanner = FileScanner(options: options)
            let serial = paths.map { scanner.scan(path: $0) }
            for rangeBytes in [700, 9000] {
                cutFiles += ScanPlan(paths: paths, workers: 3, rangeBytes: rangeBytes).boundaries.filter { $0.count > 1 }.count
                let parallel = scanner.scan(paths: paths, jobs: 3, rangeBytes: rangeBytes, progress: nil)
                for (a, b) in zip(serial, parallel) { #expect(a == b, "\(a.path), ranges of \(rangeBytes) bytes") }
            }
        }
        #expect(cutFiles >= 4 * 2 * 11)  // at least the 11 generated files, for every policy and size
    }

    @Test("a synchronisation point is the first record boundary at or after the offset in an undamaged file")
    func synchronizationPoints() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/events.out.tfevents.0.gen"
        _ = try EvalLogGenerator.writeFile(path: path, seed: 3, limit: .bytes(100_000))
        var reader = try RecordReader(path: path)
        var boundaries: [Int] = []
        while let record = try reader.next() { boundaries.append(record.offset) }
        let size = try FileIdentity(path: path).size
        for start in stride(from: 0, to: size, by: 37) {
            let expected = boundaries.first { $0 >= start }
            #expect(RecordReader.synchronizationPoint(path: path, from: start) == expected, "from \(start)")
        }
        #expect(!RecordReader.canStartMidway(path: CompressedFixtures.path(".gz")))
        #expect(RecordReader.canStartMidway(path: path))
    }
}
