@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem


/// The `best_eval_result` entries of the fixtures' expected.json: what the
/// real `BestExporter._get_best_eval_result` returned.
struct BestEvalCase: CustomStringConvertible, Sendable {
    /// `estimator` or `tf1`.
    var family: String
    /// `loss_best/eval`, `edge`, ...
    var name: String
    /// `default_loss_smaller` or `accuracy_higher`.
    var compare: String

    var description: String { "\(family)/\(name) \(compare)" }

    /// Every case in the fixtures.
    static func all() throws -> [BestEvalCase] {
        var cases: [BestEvalCase] = []
        let estimator = try FixtureLibrary.expected("estimator")
        for (run, entry) in (estimator["runs"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            for (dir, _) in ((entry as? [String: Any])?["best_eval_result"] as? [String: Any] ?? [:]) {
                for compare in ["default_loss_smaller", "accuracy_higher"] {
                    cases.append(BestEvalCase(family: "estimator", name: "\(run)/\(dir)", compare: compare))
                }
            }
        }
        let tf1 = try FixtureLibrary.expected("tf1")
        for name in (tf1["best_eval_result"] as? [String: Any] ?? [:]).keys.sorted() {
            for compare in ["default_loss_smaller", "accuracy_higher"] {
                cases.append(BestEvalCase(family: "tf1", name: name, compare: compare))
            }
        }
        return cases
    }

    /// The expected.json entry of this case.
    func entry() throws -> [String: Any] {
        let expected = try FixtureLibrary.expected(family)
        let group: [String: Any]
        if family == "estimator" {
            let parts = name.split(separator: "/")
            let run = (expected["runs"] as? [String: Any])?[String(parts[0])] as? [String: Any] ?? [:]
            group = (run["best_eval_result"] as? [String: Any])?[String(parts[1])] as? [String: Any] ?? [:]
        } else {
            group = (expected["best_eval_result"] as? [String: Any])?[name] as? [String: Any] ?? [:]
        }
        return group[compare] as? [String: Any] ?? [:]
    }

    /// The model directory (for estimator runs) or the log directory.
    var directory: String {
        family == "estimator" ? FixtureLibrary.path("estimator/" + name.split(separator: "/")[0])
            : FixtureLibrary.path("tf1/" + name)
    }

    /// The eval directory.
    var evalDirectory: String { FixtureLibrary.path(family + "/" + name) }

    /// An absolute path for a path relative to the family folder.
    func path(_ relative: String) -> String { FixtureLibrary.path(family + "/" + relative) }

    /// The comparison this case used.
    var comparison: MetricComparison {
        compare == "accuracy_higher" ? .larger("accuracy") : .lossSmaller
    }
}

/// A metrics object of expected.json, with "NaN"/"Infinity" strings.
func expectedMetrics(_ object: Any?) -> [String: Double]? {
    guard let dictionary = object as? [String: Any] else { return nil }
    var metrics: [String: Double] = [:]
    for (key, value) in dictionary {
        guard let number = FixtureLibrary.double(value) else { return nil }
        metrics[key] = number
    }
    return metrics
}

/// Equal bit for bit (NaN equals NaN).
func sameMetrics(_ a: [String: Double]?, _ b: [String: Double]?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    guard a.count == b.count else { return false }
    for (key, value) in a {
        guard let other = b[key] else { return false }
        if value.isNaN && other.isNaN { continue }
        if value.bitPattern != other.bitPattern { return false }
    }
    return true
}

/// Every evaluation of `files` with its full dictionary: the allocating
/// reference the streaming tracker is checked against.
struct OracleEvaluation {
    var path: String
    var eventIndex: Int
    var step: Int64
    var metrics: [String: Double]
}

func oracleEvaluations(files: [String], includeTensors: Bool = true) throws -> [OracleEvaluation] {
    var result: [OracleEvaluation] = []
    for file in files {
        var reader = try EventFileReader(path: file)
        var index = 0
        while let event = try reader.next() {
            defer { index += 1 }
            var metrics: [String: Double] = [:]
            var values = event.summaryValues()
            while let value = try values.next() {
                if let scalar = try value.scalar(), includeTensors || scalar.encoding == .simpleValue {
                    metrics[value.tag] = scalar.value
                }
            }
            if !metrics.isEmpty {
                result.append(OracleEvaluation(path: file, eventIndex: index, step: event.step, metrics: metrics))
            }
        }
    }
    return result
}

/// The best by sorting: evaluations with a finite `metric`, best value
/// first, earliest first among equals.
func oracleBest(_ evaluations: [OracleEvaluation], metric: String, higherIsBetter: Bool) -> OracleEvaluation? {
    let candidates = evaluations.enumerated().filter { $0.element.metrics[metric].map { !$0.isNaN } ?? false }
    let sorted = candidates.sorted { a, b in
        let x = a.element.metrics[metric]!, y = b.element.metrics[metric]!
        if x != y { return higherIsBetter ? x > y : x < y }
        return a.offset < b.offset
    }
    return sorted.first?.element
}
