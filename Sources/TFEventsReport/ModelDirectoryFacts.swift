import TFRecord
import TFEventsIndex
import TFEventsExport
import TFEventsSystem

/// What a report says about one Estimator model directory besides its
/// curves: the best evaluation (as `tfevents best` finds it), the
/// surviving exports and the checkpoints on disk.
public struct ModelDirectoryFacts: Sendable {
    /// The best evaluation, nil when none has a usable metric.
    public var best: EvalResult?
    /// How evaluations were compared ("loss smaller").
    public var comparison: String
    /// The metric compared.
    public var metric: String
    /// The eval run read (`eval`, `eval_<name>`).
    public var evalRun: String
    /// Evaluations in the eval files.
    public var evaluations: Int
    /// Evaluations skipped for lacking the metric.
    public var skippedMissingMetric: Int
    /// Evaluations skipped for a NaN metric.
    public var skippedNaN: Int
    /// Exports under `export/*/`.
    package var exports: [ExportEntry]
    /// Checkpoints whose files are on disk, by step.
    public var checkpoints: [Checkpoint]
    /// The latest checkpoint's prefix (the `checkpoint` file's, when on disk).
    public var latestCheckpoint: String?
    /// Problems met (unreadable `checkpoint` file, manifests).
    public var problems: [String]

    /// Gathers the facts of `directory`, the best evaluation answered from
    /// `index` (which must cover the eval files).
    ///
    /// - Throws: ``IndexError`` when a stored chunk is damaged.
    public static func gather(directory: String, index: LogdirIndex, options: ReportOptions)
        throws(IndexError) -> ModelDirectoryFacts {
        let comparison = options.comparison
        let pattern = EvalRecovery.pattern(evalName: options.evalName)
        let evalRun = LogdirDiscovery.run(of: pattern)
        let inEval: (IndexedFile) -> Bool = { FileOperations.pathMatches(pattern, $0.relativePath) }
        var facts = ModelDirectoryFacts(best: nil, comparison: comparison.description, metric: options.effectiveGoal.metric,
                                        evalRun: evalRun, evaluations: 0, skippedMissingMetric: 0, skippedNaN: 0,
                                        exports: ExportListing.exports(modelDirectory: directory), checkpoints: [],
                                        latestCheckpoint: nil, problems: [])
        if let found = try index.bestEvaluation(for: options.effectiveGoal, include: inEval) {
            var metrics: [String: Double] = [:]
            for value in found.evaluation.values { metrics[value.tag] = value.value }
            facts.best = EvalResult(globalStep: found.evaluation.step, metrics: metrics,
                                    source: EvalSource(path: FilePaths.join(directory, found.evaluation.file),
                                                       recordOffset: found.evaluation.recordOffset, eventIndex: -1,
                                                       wallTime: found.evaluation.wallTime))
            facts.evaluations = found.evaluations
            facts.skippedMissingMetric = found.skippedMissingMetric
            facts.skippedNaN = found.skippedNaN
        } else {
            facts.evaluations = index.files.filter(inEval).reduce(0) { $0 + $1.chunks.reduce(0) { $0 + $1.scalarEventCount } }
        }
        for export in facts.exports {
            if let problem = export.manifestProblem { facts.problems.append(problem) }
        }
        let locator = ModelDirectory(directory).checkpoints
        do {
            facts.checkpoints = try locator.survivingCheckpoints()
            facts.latestCheckpoint = (try? locator.latestCheckpoint())?.prefix
        } catch {
            facts.problems.append(error.description)
        }
        return facts
    }

    /// The surviving checkpoint of the best evaluation's step, if any.
    public var bestCheckpoint: Checkpoint? {
        guard let best else { return nil }
        return checkpoints.first { $0.globalStep == best.globalStep }
    }

    /// Exports of the best evaluation's step (known from their manifests).
    package var bestExports: [ExportEntry] {
        guard let best else { return [] }
        return exports.filter { $0.globalStep == best.globalStep }
    }
}
