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
}
