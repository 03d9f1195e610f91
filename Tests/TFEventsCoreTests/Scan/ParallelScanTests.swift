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
}
