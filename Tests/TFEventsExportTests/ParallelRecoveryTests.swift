import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Reading files in parallel and merging their bests in file order must
/// give exactly the sequential answer, ties and NaN included.
@Suite("Parallel recovery equals sequential recovery")
struct ParallelRecoveryTests {
    @Test("generated logs with many ties and files of every encoding")
    func generated() throws {
        let scratch = ScratchDirectory()
        var files: [String] = []
        for index in 0 ..< 7 {
            let path = scratch.path + "/events.out.tfevents.\(1000 + index).host"
            let encoding: EvalLogGenerator.Encoding = [.simpleValue, .tf2Tensor, .mixed][index % 3]
            _ = try EvalLogGenerator.writeFile(path: path, seed: UInt64(index % 3), encoding: encoding,
                                               limit: .events(500 + 100 * index))
            files.append(path)
        }
        // Identical seeds in several files make cross-file ties: the earliest file must win.
        for comparison in [MetricComparison.lossSmaller, .larger("accuracy"), .smaller("auc"), .larger("missing")] {
            let sequential = try EvalRecovery.recover(files: files, comparison: comparison, jobs: 1)
            let parallel = try EvalRecovery.recover(files: files, comparison: comparison, jobs: 2)
            #expect(parallel.best == sequential.best, "\(comparison)")
            #expect(parallel.best?.source == sequential.best?.source, "\(comparison)")
            #expect(parallel.statistics.evaluations == sequential.statistics.evaluations)
            #expect(parallel.statistics.skippedMissingMetric == sequential.statistics.skippedMissingMetric)
            #expect(parallel.statistics.skippedNaN == sequential.statistics.skippedNaN)
            #expect(parallel.files.map(\.offset) == sequential.files.map(\.offset))
        }
    }

    @Test("the real two-file restart fixture")
    func restartFixture() throws {
        let files = EvalRecovery.eventFiles(modelDirectory: FixtureLibrary.path("tf1"), pattern: "restart/*.tfevents.*")
        #expect(files.count == 2)
        for comparison in [MetricComparison.lossSmaller, .larger("accuracy")] {
            let sequential = try EvalRecovery.recover(files: files, comparison: comparison, jobs: 1)
            let parallel = try EvalRecovery.recover(files: files, comparison: comparison, jobs: 2)
            #expect(parallel.best == sequential.best)
            #expect(parallel.statistics.skipped == sequential.statistics.skipped)
        }
    }

    @Test("ranges of one file read side by side equal one reader: bests, event indices, newest, counts, issues, on damaged files")
    func ranges() throws {
        let scratch = ScratchDirectory()
        var files = try CraftedEvalLogs.writeRecoveryLogs(in: scratch.path, name: 2000, seed: 0, bytes: 90_000,
                                                          craftedSeed: 31, craftedEvents: 600)
        let damagedDirectory = scratch.path + "/damaged"
        try FileManager.default.createDirectory(atPath: damagedDirectory, withIntermediateDirectories: true)
        files += try DamagedCopies.write(of: [UInt8](Data(contentsOf: URL(fileURLWithPath: files[0]))), in: damagedDirectory)
        var cut = 0
        for readerOptions in [RecordReaderOptions(), .stopAtFirstError] {
            for comparison in [MetricComparison.lossSmaller, .larger("accuracy"), .smaller("aux"), .larger("missing")] {
                let options = BestTracker.Options(trackNewest: true)
                for file in files {
                    let one = try EvalRecovery.recover(files: [file], comparison: comparison, options: options,
                                                       readerOptions: readerOptions, jobs: 1)
                    for rangeBytes in [700, 9000] {
                        cut += ScanPlan(paths: [file], workers: 3, rangeBytes: rangeBytes).boundaries[0].count > 1 ? 1 : 0
                        let ranged = try EvalRecovery.recover(files: [file], comparison: comparison, options: options,
                                                              readerOptions: readerOptions, jobs: 3, rangeBytes: rangeBytes)
                        let context = "\(file), \(comparison), ranges of \(rangeBytes)"
                        #expect(ranged.best == one.best && ranged.best?.source == one.best?.source, "\(context)")
                        #expect(ranged.newest == one.newest && ranged.newest?.source == one.newest?.source, "\(context)")
                        #expect(ranged.statistics.evaluations == one.statistics.evaluations, "\(context)")
                        #expect(ranged.statistics.skipped == one.statistics.skipped, "\(context)")
                        #expect(ranged.statistics.malformedValues == one.statistics.malformedValues, "\(context)")
                        #expect(ranged.files == one.files, "\(context)")
                        #expect(ranged.issues.map(\.description) == one.issues.map(\.description), "\(context)")
                        #expect(ranged.issues.map(\.offset) == one.issues.map(\.offset), "\(context)")
                    }
                }
            }
        }
        #expect(cut >= 2 * 4 * 2 * files.count - 8)  // nearly every file cut, for every size and comparison
    }
}
