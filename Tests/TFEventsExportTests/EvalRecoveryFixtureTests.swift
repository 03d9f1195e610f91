import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Recovery agrees with what the real `BestExporter._get_best_eval_result`
/// returned on every fixture (`best_eval_result` in expected.json).
@Suite("Best evaluation recovery against the real BestExporter")
struct EvalRecoveryFixtureTests {
    @Test("strict mode, TensorFlow's file order: same dictionary, same winner, same error at the same event",
          arguments: try BestEvalCase.all())
    func tensorFlowReplay(_ testCase: BestEvalCase) throws {
        let entry = try testCase.entry()
        let globOrder = (entry["glob_order"] as? [String] ?? []).map(testCase.path)
        #expect(!globOrder.isEmpty)
        for comparison in [testCase.comparison, Self.customEquivalent(of: testCase.comparison)] {
            let outcome = Result { () throws(ExportError) in
                try EvalRecovery.recover(files: globOrder, comparison: comparison, options: .tensorFlow)
            }
            if let expectedError = entry["error"] as? [String: Any] {
                guard case .failure(let error) = outcome,
                      case let .comparisonFailed(comparisonError, at, globalStep, bestSoFar) = error else {
                    Issue.record("expected \(expectedError), got \(outcome)")
                    continue
                }
                let errorAt = entry["error_at"] as? [String: Any] ?? [:]
                #expect(at?.path == testCase.path(errorAt["file"] as? String ?? ""))
                #expect(at?.eventIndex == (errorAt["event_index"] as? Int64).map(Int.init))
                #expect(globalStep == errorAt["step"] as? Int64)
                #expect(sameMetrics(bestSoFar?.metrics, expectedMetrics(errorAt["best_so_far"])))
                let from = errorAt["best_so_far_from"] as? [String: Any] ?? [:]
                #expect(bestSoFar?.source?.path == testCase.path(from["file"] as? String ?? ""))
                #expect(bestSoFar?.source?.eventIndex == (from["event_index"] as? Int64).map(Int.init))
                #expect(bestSoFar?.globalStep == from["step"] as? Int64)
                #expect(bestSoFar?.source?.wallTime == from["wall_time"] as? Double)
                let message = expectedError["message"] as? String ?? ""
                if expectedError["type"] as? String == "builtins.ValueError", comparison.metric != nil {
                    // The default comparison's messages are TensorFlow's, word for word.
                    #expect(comparisonError.description == message)
                }
                if expectedError["type"] as? String == "builtins.KeyError" {
                    // KeyError('accuracy'): the best so far has no accuracy.
                    if comparison.metric != nil {
                        #expect(comparisonError.missingMetric?.metric == "accuracy")
                        #expect(comparisonError.missingMetric?.role == .best)
                    }
                }
                continue
            }
            let result = try outcome.get()
            let winner = entry["winner"] as? [String: Any] ?? [:]
            #expect(sameMetrics(result.best?.metrics, expectedMetrics(entry["result"])), "\(String(describing: result.best))")
            #expect(result.best?.source?.path == testCase.path(winner["file"] as? String ?? ""))
            #expect(result.best?.source?.eventIndex == (winner["event_index"] as? Int64).map(Int.init))
            #expect(result.best?.globalStep == winner["step"] as? Int64)
            #expect(result.best?.source?.wallTime == winner["wall_time"] as? Double)
        }
    }

    @Test("default mode, sorted files: TensorFlow's answer wherever TensorFlow answers, the sort oracle everywhere",
          arguments: try BestEvalCase.all())
    func defaultMode(_ testCase: BestEvalCase) throws {
        let entry = try testCase.entry()
        let result = try EvalRecovery.recover(modelDirectory: testCase.directory,
                                              pattern: testCase.family == "estimator" ? "eval/*.tfevents.*" : "*.tfevents.*",
                                              comparison: testCase.comparison)
        #expect(result.issues.isEmpty)
        #expect(result.files.map(\.path) == result.files.map(\.path).sorted())
        let globOrder = (entry["glob_order"] as? [String] ?? []).map(testCase.path)
        #expect(Set(result.files.map(\.path)) == Set(globOrder))

        let metric = testCase.comparison.metric!
        let evaluations = try oracleEvaluations(files: result.files.map(\.path))
        let oracle = oracleBest(evaluations, metric: metric, higherIsBetter: testCase.comparison.higherIsBetter)
        #expect(sameMetrics(result.best?.metrics, oracle?.metrics))
        #expect(result.best?.source?.path == oracle?.path)
        #expect(result.best?.source?.eventIndex == oracle?.eventIndex)
        #expect(result.best?.globalStep == oracle?.step)
        #expect(result.statistics.evaluations == evaluations.count)
        #expect(result.statistics.skippedMissingMetric == evaluations.filter { $0.metrics[metric] == nil }.count)
        #expect(result.statistics.skippedNaN == evaluations.filter { $0.metrics[metric]?.isNaN == true }.count)

        if entry["error"] is [String: Any] == false, let expected = expectedMetrics(entry["result"]) {
            // Where TensorFlow has an answer, ours is the same one.
            #expect(sameMetrics(result.best?.metrics, expected))
            let winner = entry["winner"] as? [String: Any] ?? [:]
            #expect(result.best?.source?.eventIndex == (winner["event_index"] as? Int64).map(Int.init))
        }
    }

    @Test("the documented answers where TensorFlow raises")
    func whereTensorFlowRaises() throws {
        // edge_no_loss: no evaluation has a loss: nothing, two skipped.
        let noLoss = try EvalRecovery.recover(modelDirectory: FixtureLibrary.path("tf1/edge_no_loss"), pattern: "*.tfevents.*")
        #expect(noLoss.best == nil)
        #expect(noLoss.statistics.skippedMissingMetric == 2)
        // restart: loss and accuracy are written as separate events; the
        // best loss is at step 6 of the second writer, the best accuracy at
        // step 14 of the first.
        let restart = FixtureLibrary.path("tf1/restart")
        let loss = try EvalRecovery.recover(modelDirectory: restart, pattern: "*.tfevents.*")
        #expect(loss.best?.globalStep == 6)
        #expect(loss.best?.metrics == ["loss": 0.028732048347592354])
        #expect(loss.best?.source?.path.hasSuffix("events.out.tfevents.1795433720.vm") == true)
        #expect(loss.statistics.skippedMissingMetric == 21)
        let accuracy = try EvalRecovery.recover(modelDirectory: restart, pattern: "*.tfevents.*",
                                                comparison: .larger("accuracy"))
        #expect(accuracy.best?.globalStep == 14)
        #expect(accuracy.best?.metrics == ["accuracy": 0.984749436378479])
        // edge: the NaN loss at step 4 is skipped, not the best.
        let edge = try EvalRecovery.recover(modelDirectory: FixtureLibrary.path("tf1/edge"), pattern: "*.tfevents.*")
        #expect(edge.statistics.skippedNaN == 1)
        #expect(edge.best?.metrics["loss"] == -.infinity)
    }

    /// The same rule as a custom closure, to check that custom comparisons
    /// see the same results (and get `best` and `current` the right way round).
    static func customEquivalent(of comparison: MetricComparison) -> MetricComparison {
        let metric = comparison.metric!
        let higher = comparison.higherIsBetter
        return .custom("\(metric) custom") { pair in
            guard let best = pair.best[metric] else { throw comparison.missing(metric, in: .best) }
            guard let current = pair.current[metric] else { throw comparison.missing(metric, in: .current) }
            return higher ? current > best : current < best
        }
    }
}
