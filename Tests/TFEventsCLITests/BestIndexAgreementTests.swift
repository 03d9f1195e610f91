import Foundation
import Testing
import TFEvents
import TFEventsTestSupport

/// `tfevents best` answers the same through the index (the default) as with
/// `--no-index`, on every fixture directory and on crafted logs.
@Suite("tfevents best: the index gives the --no-index answer")
struct BestIndexAgreementTests {
    /// Every fixture directory holding event files, with a pattern for them
    /// and the metrics to ask about.
    static let cases: [(directory: String, pattern: String, metrics: [String])] = [
        ("estimator/loss_best", "eval/*.tfevents.*", ["loss", "accuracy", "global_step"]),
        ("estimator/accuracy_best", "eval/*.tfevents.*", ["loss", "accuracy"]),
        ("tf1/edge", "*.tfevents.*", ["loss", "accuracy", "special/nan"]),
        ("tf1/edge_no_loss", "*.tfevents.*", ["loss", "accuracy"]),
        ("tf1/graph_mode", "*.tfevents.*", ["loss", "accuracy"]),
        ("tf1/restart", "*.tfevents.*", ["loss"]),
        ("tf2/basic", "*.tfevents.*", ["loss", "accuracy", "special/nonfinite"]),
        ("tf2/multi_file", "*.tfevents.*", ["loss"]),
        ("tensorboardx/run1", "*.tfevents.*", ["loss", "accuracy"]),
        ("tensorboardx/run1", "metrics/*/*.tfevents.*", ["metrics"]),
        ("corrupt", "*.tfevents.*", ["loss", "accuracy"]),
        ("compressed", "*.tfevents.*", ["loss"]),
    ]

    static func bothAnswers(_ directory: String, pattern: String, metric: String, higher: Bool,
                            cache: String) throws -> (indexed: CLIResult, direct: CLIResult) {
        var arguments = ["best", directory, "--pattern", pattern, "--metric", metric, "--format", "json"]
        if higher { arguments.append("--higher-is-better") }
        let environment = ["XDG_CACHE_HOME": cache]
        let indexed = try CLIRunner.run(arguments, environment: environment)
        let again = try CLIRunner.run(arguments, environment: environment)  // through an up-to-date index
        let direct = try CLIRunner.run(arguments + ["--no-index"], environment: environment)
        #expect(again.stdout == indexed.stdout && again.status == indexed.status)
        return (indexed, direct)
    }

    @Test("every fixture, every metric, both directions")
    func fixtures() throws {
        let scratch = ScratchDirectory()
        for (index, entry) in Self.cases.enumerated() {
            for metric in entry.metrics {
                for higher in [false, true] {
                    let (indexed, direct) = try Self.bothAnswers(CLIRunner.fixture(entry.directory),
                                                                 pattern: entry.pattern, metric: metric,
                                                                 higher: higher, cache: scratch.path + "/cache\(index)")
                    let context = "\(entry.directory) \(entry.pattern) \(metric) \(higher ? "larger" : "smaller")"
                    #expect(indexed.status == direct.status, "\(context): \(indexed.stderr) / \(direct.stderr)")
                    #expect(indexed.stdout == direct.stdout, "\(context)")
                }
            }
        }
    }

    @Test("the crafted duplicate-tag log: step 2 (loss 3.0) with and without the index")
    func duplicateTag() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        try CraftedEvalLogs.write([
            .init(step: 1, values: [.simple("loss", 1.0), .simple("loss", 5.0)]),
            .init(step: 2, values: [.simple("loss", 3.0)]),
        ], to: model + "/eval/events.out.tfevents.1700000000.host")
        let (indexed, direct) = try Self.bothAnswers(model, pattern: "eval/*.tfevents.*", metric: "loss", higher: false,
                                                     cache: scratch.path + "/cache")
        #expect(indexed.stdout == direct.stdout)
        #expect(direct.stdout.contains("\"global_step\":2"), "\(direct.stdout)")
        #expect(direct.stdout.contains("\"loss\":3"), "\(direct.stdout)")
    }
}
