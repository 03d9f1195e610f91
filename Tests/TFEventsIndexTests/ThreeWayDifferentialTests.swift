import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The three ways of reading a directory – one reader per file, readers on
/// ranges of a file side by side, and the index – find the same points and
/// the same damage, on generated, crafted and damaged files.
@Suite("Serial scan, ranges side by side and the index agree")
struct ThreeWayDifferentialTests {
    @Test("points, counts, damage and ends: serial = ranges = index, clean and damaged")
    func agree() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/logs"
        try FileManager.default.createDirectory(atPath: logdir + "/run", withIntermediateDirectories: true)
        let generated = scratch.path + "/events.out.tfevents.1.gen"
        _ = try EvalLogGenerator.writeFile(path: generated, seed: 8, encoding: .mixed, limit: .bytes(60_000))
        _ = try DamagedCopies.write(of: [UInt8](Data(contentsOf: URL(fileURLWithPath: generated))), in: logdir + "/run")
        var random = SplitMix64(seed: 12)
        try CraftedEvalLogs.write(CraftedEvalLogs.randomEvents(count: 300, firstStep: 0, random: &random),
                                  to: logdir + "/run/events.out.tfevents.2.crafted")
        let relative = LogdirDiscovery.eventFiles(in: logdir).files
        #expect(relative.count >= 12)
        let paths = relative.map { logdir + "/" + $0 }

        let index = try LogdirIndex(logdir: logdir, indexPath: scratch.path + "/index")
        _ = try index.update()
        #expect(try indexedScan(index) == directScan(logdir))

        let scanner = FileScanner()
        let serial = paths.map { scanner.scan(path: $0) }
        let ranged = scanner.scan(paths: paths, jobs: 3, rangeBytes: 700, progress: nil)
        #expect(ScanPlan(paths: paths, workers: 3, rangeBytes: 700).boundaries.allSatisfy { $0.count > 1 })
        #expect(serial.contains { $0.corruptRecords > 0 } && serial.contains { $0.truncatedBytes > 0 })
        for (name, (one, side)) in zip(relative, zip(serial, ranged)) {
            #expect(one == side, "\(name): ranges")
            let entry = try #require(index.files.first { $0.relativePath == name })
            #expect(entry.validEnd == one.validEnd, "\(name): valid end")
            #expect(entry.truncatedBytes == one.truncatedBytes, "\(name): truncated bytes")
            #expect(entry.corruptRecords == one.corruptRecords, "\(name): corrupt records")
            #expect(entry.skippedBytes == one.skippedBytes, "\(name): skipped bytes")
            #expect(entry.malformedValues == one.malformedValues, "\(name): malformed values")
            #expect(entry.scalarCount == one.scalarPoints, "\(name): scalar points")
        }
    }
}
