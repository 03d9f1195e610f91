import TFEventsCore
import TFEventsSystem

/// The runs of a log directory, one row per HParams session (or per run
/// where there are none), with their hyperparameters and the summary of
/// each metric asked for: the answer to "which run of a sweep was best".
///
/// Sessions and their metrics are associated as TensorBoard's HParams
/// plugin does: a session is a run holding a session start; each run
/// belongs to the deepest session at or above it; a metric `(group, tag)`
/// of a session is the scalar `tag` of the run `<session>/<group>` (the
/// session's own run when the group is empty). The experiment is the
/// first one written (runs in path order); without one it is inferred: the
/// hyperparameters every session names, and the scalar tags of the runs at
/// and below each session as metrics, grouped by their run relative to it.
public struct RunTable: Sendable {
    /// One row: a session, or a run of a log directory without sessions.
    public struct Row: Sendable {
        /// The session's or run's path relative to the log directory.
        public var name: String
        /// The runs whose points the row summarises: the run itself, and
        /// for a session every run below it that no deeper session holds.
        public var runs: [String]
        /// The session's start (hyperparameters, group, start time); nil
        /// for a run that is not a session.
        public var start: SessionStartInfo?
        /// The session's end, if written.
        public var end: SessionEndInfo?
        /// Smallest and largest step of the rows' events.
        public var steps: ClosedRange<Int64>?
        /// Earliest and latest wall time of the rows' events.
        public var wallTimes: ClosedRange<Double>?
        /// Each metric asked for, in the order asked.
        public var metrics: [RunMetricSummary]

        /// The session's status: ``SessionStatus/unknown`` without an end,
        /// nil for a run that is not a session.
        public var status: SessionStatus? { start == nil ? nil : end?.status ?? .unknown }
    }

    /// The experiment: written, inferred, or empty without hparams.
    public var experiment: HParamsExperiment
    /// Whether ``experiment`` was inferred from the sessions (none was written).
    public var experimentInferred: Bool
    /// The metrics summarised, with which way is better.
    public var goals: [MetricGoal]
    /// The rows, best first by the first goal (rows without it last, in
    /// path order).
    public var rows: [Row]
    /// Runs with scalar points that no session holds (not shown as rows
    /// when there are sessions).
    public var runsOutsideSessions: [String]
    /// HParams records that could not be read.
    public var problems: [HParamsProblem]

    /// The hyperparameters' names: the experiment's in its order, then any
    /// other a session names, sorted.
    public var hparamNames: [String] {
        let names = experiment.hparams.map(\.name)
        var extra = Set<String>()
        for row in rows { for field in row.start?.hparams ?? [] where !names.contains(field.name) { extra.insert(field.name) } }
        return names + extra.sorted()
    }
}

extension LogdirIndex {
    /// The run table of the selected runs.
    ///
    /// - Parameters:
    ///   - goals: the metrics to summarise (`tag`, or `group/tag` relative to
    ///     a session or run) and which way is better; nil for the
    ///     experiment's metrics, each with `direction(tag)`.
    ///   - perRun: one row per run even where there are sessions.
    ///   - direction: which way is better for a metric taken from the experiment.
    /// - Throws: ``IndexError`` when a stored chunk cannot be read.
    public func runTable(goals: [MetricGoal]?, perRun: Bool = false,
                         direction: (String) -> MetricGoal.Direction = { _ in .minimize }) throws(IndexError) -> RunTable {
        let files = self.files
        let (found, problems) = hparams()
        var allRuns: [String] = []
        var tagsOfRun: [String: Set<String>] = [:]
        for file in files {
            if tagsOfRun[file.run] == nil { allRuns.append(file.run) }
            tagsOfRun[file.run, default: []].formUnion(file.tags.filter { $0.scalarCount > 0 }.map(\.name))
        }
        allRuns.sort { FilePaths.bytewiseLess($0, $1) }
        let sessions = perRun ? [] : found.filter { $0.start != nil }
        // Each run belongs to the deepest session at or above it.
        var rowOfRun: [String: Int] = [:]
        var rows: [RunTable.Row] = []
        var outside: [String] = []
        if sessions.isEmpty {
            let dataOfRun = Dictionary(found.map { ($0.run, $0) }, uniquingKeysWith: { first, _ in first })
            for run in allRuns {
                let data = dataOfRun[run]
                rowOfRun[run] = rows.count
                rows.append(RunTable.Row(name: run, runs: [run], start: perRun ? data?.start : nil,
                                         end: perRun ? data?.end : nil, metrics: []))
            }
        } else {
            for session in sessions {
                rows.append(RunTable.Row(name: session.run, runs: [], start: session.start, end: session.end, metrics: []))
            }
            let sessionOfRun = Dictionary(sessions.enumerated().map { ($1.run, $0) }, uniquingKeysWith: { first, _ in first })
            for run in allRuns {
                // The deepest session at or above the run: its own path,
                // then each parent's, then the root's.
                var path = Substring(run)
                var owner = sessionOfRun[run]
                while owner == nil, let slash = path.lastIndex(of: "/") {
                    path = path[..<slash]
                    owner = sessionOfRun[String(path)]
                }
                if owner == nil, run != "." { owner = sessionOfRun["."] }
                if let owner {
                    rowOfRun[run] = owner
                    rows[owner].runs.append(run)
                } else if tagsOfRun[run]?.isEmpty == false {
                    outside.append(run)
                }
            }
        }
        // The experiment: the first written, or inferred.
        var experiment = found.first { $0.experiment != nil }?.experiment ?? HParamsExperiment()
        let inferred = found.allSatisfy { $0.experiment == nil } && !sessions.isEmpty
        if inferred {
            experiment = Self.inferredExperiment(sessions: sessions, rows: rows, tagsOfRun: tagsOfRun)
        }
        let goals = goals ?? experiment.metrics.map { MetricGoal(metric: $0.path, direction: direction($0.path)) }
        // Where each row's metrics are: (run, tag) per row and goal.
        var wanted: [String: [(tag: String, row: Int, goal: Int)]] = [:]
        for row in rows.indices {
            rows[row].metrics = goals.map { RunMetricSummary(name: $0.metric) }
            for (g, goal) in goals.enumerated() {
                guard let source = Self.locate(goal.metric, in: rows[row].name, experiment: experiment, tagsOfRun: tagsOfRun)
                else { continue }
                rows[row].metrics[g].source = source
                wanted[source.run, default: []].append((source.tag, row, g))
            }
        }
        // One pass over the rows' files: extents, and the metrics' points.
        for file in files {
            guard let row = rowOfRun[file.run] else { continue }
            let targets = wanted[file.run] ?? []
            let targetsOfTag: [[(row: Int, goal: Int)]] = file.tags.map { tag in
                targets.filter { $0.tag == tag.name }.map { ($0.row, $0.goal) }
            }
            for chunkIndex in file.chunks.indices {
                let chunk = try self.chunk(chunkIndex, of: file)
                for event in chunk.eventSteps.indices {
                    let step = chunk.eventSteps[event]
                    let wallTime = chunk.eventWallTimes[event]
                    rows[row].steps = rows[row].steps.map { min($0.lowerBound, step) ... max($0.upperBound, step) } ?? step ... step
                    rows[row].wallTimes = rows[row].wallTimes.map { min($0.lowerBound, wallTime) ... max($0.upperBound, wallTime) }
                        ?? wallTime ... wallTime
                }
                guard !targets.isEmpty else { continue }
                for point in 0 ..< chunk.pointCount {
                    let owners = targetsOfTag[Int(chunk.pointTags[point])]
                    guard !owners.isEmpty else { continue }
                    let event = Int(chunk.pointEvents[point])
                    let sample = ScalarPoint(step: chunk.eventSteps[event], wallTime: chunk.eventWallTimes[event],
                                             value: chunk.values[point])
                    for owner in owners { rows[owner.row].metrics[owner.goal].observe(sample, goal: goals[owner.goal]) }
                }
            }
        }
        if let first = goals.first {
            rows.sort { a, b in
                switch (a.metrics.first?.best, b.metrics.first?.best) {
                case let (x?, y?):
                    if first.improves(x.value, on: y.value) { return true }
                    if first.improves(y.value, on: x.value) { return false }
                    return FilePaths.bytewiseLess(a.name, b.name)
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return FilePaths.bytewiseLess(a.name, b.name)
                }
            }
        }
        return RunTable(experiment: experiment, experimentInferred: inferred, goals: goals, rows: rows,
                        runsOutsideSessions: outside, problems: problems)
    }

    /// `group` below `run`: `run/group`, or `group` below the root.
    static func join(_ run: String, _ group: String) -> String {
        if group.isEmpty { return run }
        return run == "." ? group : run + "/" + group
    }

    /// Where the metric `path` of the row `row` is: an experiment metric
    /// with that path (its group and tag), else the tag `path` in the row's
    /// own run, else the first split of `path` into `group/tag` whose run
    /// has that tag.
    static func locate(_ path: String, in row: String, experiment: HParamsExperiment,
                       tagsOfRun: [String: Set<String>]) -> MetricSource? {
        var candidates: [(group: String, tag: String)] = experiment.metrics.filter { $0.path == path }.map { ($0.group, $0.tag) }
        candidates.append(("", path))
        var slash = path.firstIndex(of: "/")
        while let cut = slash {
            candidates.append((String(path[..<cut]), String(path[path.index(after: cut)...])))
            slash = path[path.index(after: cut)...].firstIndex(of: "/")
        }
        for candidate in candidates {
            let run = join(row, candidate.group)
            if tagsOfRun[run]?.contains(candidate.tag) == true { return MetricSource(run: run, tag: candidate.tag) }
        }
        return nil
    }

    /// The experiment TensorBoard infers without a written one: every
    /// hyperparameter the sessions name (sorted), typed by its values
    /// (mixed kinds are strings; numbers get the interval they span, strings
    /// and bools the set of their values, sorted), and
    /// every scalar tag of the sessions' runs as a metric, grouped by the
    /// run relative to its session (sorted by tag, then group).
    static func inferredExperiment(sessions: [RunHParams], rows: [RunTable.Row],
                                   tagsOfRun: [String: Set<String>]) -> HParamsExperiment {
        var experiment = HParamsExperiment()
        var values: [String: [HParamValue]] = [:]
        for session in sessions {
            for field in session.start?.hparams ?? [] { values[field.name, default: []].append(field.value) }
        }
        for name in values.keys.sorted() {
            var info = HParamInfo(name: name)
            let kinds = Set((values[name] ?? []).map { value -> HParamInfo.ValueType in
                switch value {
                case .number: return .float64
                case .string: return .string
                case .bool: return .bool
                default: return .unset
                }
            })
            // Mixed kinds are strings, as TensorBoard infers them.
            info.type = kinds.count == 1 ? kinds.first ?? .unset : .string
            let seen = values[name] ?? []
            switch info.type {
            case .float64:
                let numbers = seen.compactMap(\.numericValue)
                if let low = numbers.min(), let high = numbers.max() { info.domain = .interval(min: low, max: high) }
            case .string, .bool:
                var distinct: [HParamValue] = []
                for value in seen where !distinct.contains(value) { distinct.append(value) }
                info.domain = .discrete(distinct.sorted { $0.description < $1.description })
            case .unset:
                break
            }
            experiment.hparams.append(info)
        }
        var metrics = Set<MetricInfo>()
        for row in rows {
            for run in row.runs {
                let group = run == row.name ? "" : String(run.dropFirst(row.name == "." ? 0 : row.name.count + 1))
                for tag in tagsOfRun[run] ?? [] where !tag.hasPrefix("_hparams_/") {
                    metrics.insert(MetricInfo(group: group, tag: tag))
                }
            }
        }
        experiment.metrics = metrics.sorted { ($0.tag, $0.group) < ($1.tag, $1.group) }
        return experiment
    }
}
