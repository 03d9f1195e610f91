import Foundation
import Testing
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsTestSupport

/// The HParams data of logs written by tensorboardX, PyTorch and
/// TensorFlow's hparams API (`Fixtures/hparams/`), against what
/// TensorBoard's own hparams plugin reported for them.
@Suite("HParams sessions and metrics agree with TensorBoard's hparams plugin")
struct HParamsFixtureTests {
    static let writers = ["tensorboardx", "torch", "tf"]

    /// The fixture's index, built in a scratch directory.
    static func index(_ writer: String, scratch: ScratchDirectory) throws -> LogdirIndex {
        let index = try LogdirIndex(logdir: FixtureLibrary.path("hparams/" + writer), indexPath: scratch.path + "/index")
        try index.update()
        return index
    }

    @Test("every hparams summary decodes, and the index reads back each run's first ones", arguments: writers)
    func decodesEverySummary(writer: String) throws {
        let expected = try FixtureLibrary.expected("hparams/" + writer)
        let raw = try #require(expected["raw"] as? [String: Any])
        let scratch = ScratchDirectory()
        let found = try Self.index(writer, scratch: scratch).hparams()
        #expect(found.problems.isEmpty)
        var summaries = 0
        for (run, entry) in raw {
            let list = (entry as? [String: Any])?["hparams_summaries"] as? [[String: Any]] ?? []
            var first = RunHParams(run: run)
            for summary in list {
                let content = hexBytes(try #require(summary["content_hex"] as? String))
                let data = try #require(try content.withUnsafeBytes { try HParamsPluginData(content: $0.bytes) })
                switch data {
                case .experiment(let value): if first.experiment == nil { first.experiment = value }
                case .sessionStart(let value): if first.start == nil { first.start = value }
                case .sessionEnd(let value): if first.end == nil { first.end = value }
                }
                summaries += 1
            }
            guard !list.isEmpty else { continue }
            #expect(found.runs.first { $0.run == run } == first, "\(writer) \(run)")
        }
        #expect(summaries >= 6)
        #expect(found.runs.count == raw.values.filter { !(($0 as? [String: Any])?["hparams_summaries"] as? [Any] ?? []).isEmpty }.count)
    }

    @Test("the experiment: hyperparameters, types, domains and metrics as the plugin reports them", arguments: writers)
    func experiment(writer: String) throws {
        let expected = try FixtureLibrary.expected("hparams/" + writer)
        let scratch = ScratchDirectory()
        let table = try Self.index(writer, scratch: scratch).runTable(goals: nil)
        #expect(!table.experimentInferred)
        try Self.compare(table.experiment, with: try #require(expected["experiment"] as? [String: Any]), domains: true)
    }

    @Test("without the experiment summary, the inferred one names the plugin's hparams and metrics", arguments: writers)
    func inferredExperiment(writer: String) throws {
        let expected = try FixtureLibrary.expected("hparams/" + writer)
        let inferred = try #require(expected["inferred_without_experiment_summary"] as? [String: Any])
        // The same sessions, with every experiment summary removed: what
        // TensorBoard infers from the sessions alone.
        let scratch = ScratchDirectory()
        let found = try Self.index(writer, scratch: scratch).hparams().runs
        let sessions = found.filter { $0.start != nil }.map { run -> RunHParams in
            var copy = run
            copy.experiment = nil
            return copy
        }
        let index = try Self.index(writer, scratch: scratch)
        var tagsOfRun: [String: Set<String>] = [:]
        for file in index.files { tagsOfRun[file.run, default: []].formUnion(file.tags.filter { $0.scalarCount > 0 }.map(\.name)) }
        func isAtOrBelow(_ run: String, _ ancestor: String) -> Bool {
            ancestor == "." || run == ancestor || run.hasPrefix(ancestor + "/")
        }
        let rows = sessions.map { session in
            RunTable.Row(name: session.run, runs: tagsOfRun.keys.filter { run in
                isAtOrBelow(run, session.run)
                    && !sessions.contains { $0.run.count > session.run.count && isAtOrBelow(run, $0.run) }
            }.sorted(), start: session.start, end: session.end, metrics: [])
        }
        let experiment = LogdirIndex.inferredExperiment(sessions: sessions, rows: rows, tagsOfRun: tagsOfRun)
        try Self.compare(experiment, with: try #require(inferred["experiment"] as? [String: Any]), domains: false)
    }

    @Test("each session: hyperparameters, status, and every metric's value, step and wall time (the last point)",
          arguments: writers)
    func sessions(writer: String) throws {
        let expected = try FixtureLibrary.expected("hparams/" + writer)
        let groups = try #require((expected["session_groups"] as? [String: Any])?["session_groups"] as? [[String: Any]])
        let scratch = ScratchDirectory()
        let table = try Self.index(writer, scratch: scratch).runTable(goals: nil)
        var sessionCount = 0
        var metricCount = 0
        for group in groups {
            let hparams = try #require(group["hparams"] as? [String: Any])
            for session in try #require(group["sessions"] as? [[String: Any]]) {
                let name = try #require(session["name"] as? String)
                let row = try #require(table.rows.first { $0.name == name }, "\(writer): no row \(name)")
                sessionCount += 1
                let status = (session["status"] as? String) ?? "STATUS_UNKNOWN"
                #expect("STATUS_" + (row.status?.description.uppercased() ?? "") == status, "\(name) status")
                let groupName = row.start.map { $0.groupName.isEmpty ? name : $0.groupName }
                #expect(groupName == group["name"] as? String, "\(name) group")
                let ours = row.start?.hparams ?? []
                #expect(ours.count == hparams.count, "\(name): hparam count")
                for (key, value) in hparams {
                    #expect(Self.equal(row.start?.value(of: key), value), "\(name): hparam \(key)")
                }
                for metric in try #require(session["metric_values"] as? [[String: Any]]) {
                    let metricName = try #require(metric["name"] as? [String: Any])
                    let path = MetricInfo(group: metricName["group"] as? String ?? "", tag: metricName["tag"] as? String ?? "").path
                    let summary = try #require(row.metrics.first { $0.name == path }, "\(name): no metric \(path)")
                    let last = try #require(summary.last, "\(name) \(path): no point")
                    let value = try #require(FixtureLibrary.double(metric["value"] as Any))
                    #expect(last.value.bitPattern == value.bitPattern, "\(name) \(path): value")
                    #expect(last.step == (metric["training_step"] as? Int64 ?? 0), "\(name) \(path): step")
                    let wallTime = try #require(FixtureLibrary.double(metric["wall_time_secs"] as Any))
                    #expect(last.wallTime.bitPattern == wallTime.bitPattern, "\(name) \(path): wall time")
                    metricCount += 1
                }
            }
        }
        #expect(sessionCount == table.rows.count)
        #expect(sessionCount >= 3 && metricCount >= 6)
    }

    @Test("the best and last points of each session's metrics, from the scalars TensorBoard's loader read", arguments: writers)
    func bestPoints(writer: String) throws {
        let expected = try FixtureLibrary.expected("hparams/" + writer)
        let raw = try #require(expected["raw"] as? [String: Any])
        let scratch = ScratchDirectory()
        let table = try Self.index(writer, scratch: scratch).runTable(goals: nil)
        var checked = 0
        for row in table.rows {
            for (metric, goal) in zip(row.metrics, table.goals) {
                guard let source = metric.source else { continue }
                let scalars = ((raw[source.run] as? [String: Any])?["scalars"] as? [String: Any])?[source.tag] as? [Any] ?? []
                let points = scalars.compactMap(ExactPoint.init(json:))
                #expect(points.count == metric.count, "\(row.name) \(metric.name): count")
                var best: ExactPoint?
                for point in points where !point.value.isNaN {
                    if let incumbent = best, !goal.improves(point.value, on: incumbent.value) { continue }
                    best = point
                }
                #expect(metric.best.map { ExactPoint(step: $0.step, wallTime: $0.wallTime, value: $0.value) } == best,
                        "\(row.name) \(metric.name): best")
                #expect(metric.last.map { ExactPoint(step: $0.step, wallTime: $0.wallTime, value: $0.value) } == points.last,
                        "\(row.name) \(metric.name): last")
                checked += 1
            }
        }
        #expect(checked >= 6)
    }

    // MARK: - Comparing with the plugin's JSON

    static func compare(_ experiment: HParamsExperiment, with json: [String: Any], domains: Bool) throws {
        let infos = try #require(json["hparam_infos"] as? [[String: Any]])
        #expect(experiment.hparams.map(\.name).sorted() == infos.compactMap { $0["name"] as? String }.sorted())
        for info in infos {
            let name = info["name"] as? String ?? ""
            let ours = try #require(experiment.hparams.first { $0.name == name }, "hparam \(name)")
            #expect("DATA_TYPE_" + ours.type.description.uppercased() == (info["type"] as? String ?? "DATA_TYPE_UNSET"), "\(name) type")
            guard domains else { continue }
            if let discrete = info["domain_discrete"] as? [Any] {
                guard case .discrete(let values)? = ours.domain else {
                    Issue.record("\(name): no discrete domain")
                    continue
                }
                #expect(values.count == discrete.count && zip(values, discrete).allSatisfy { equal($0, $1) }, "\(name) domain")
            } else if let interval = info["domain_interval"] as? [String: Any] {
                let low = FixtureLibrary.double(interval["min_value"] as Any) ?? 0
                let high = FixtureLibrary.double(interval["max_value"] as Any) ?? 0
                #expect(ours.domain == .interval(min: low, max: high), "\(name) interval")
            } else {
                #expect(ours.domain == nil, "\(name): no domain")
            }
        }
        let metrics = try #require(json["metric_infos"] as? [[String: Any]])
        #expect(experiment.metrics.count == metrics.count)
        for (ours, theirs) in zip(experiment.metrics, metrics) {
            let name = theirs["name"] as? [String: Any] ?? [:]
            #expect(ours.group == (name["group"] as? String ?? "") && ours.tag == (name["tag"] as? String ?? ""))
            #expect(ours.displayName == (theirs["display_name"] as? String ?? ""))
        }
    }

    /// Whether a decoded value equals the plugin's JSON value.
    static func equal(_ value: HParamValue?, _ json: Any) -> Bool {
        switch value {
        case .number(let number)?: return FixtureLibrary.double(json).map { $0.bitPattern == number.bitPattern } ?? false
        case .string(let text)?: return json as? String == text
        case .bool(let flag)?: return json as? Bool == flag
        default: return false
        }
    }
}
