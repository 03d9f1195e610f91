import TFRecord

/// Exports a model each time an evaluation is better than every earlier
/// one: `tf.estimator.BestExporter` (FORMAT §6.2–6.7), with its restart bug
/// fixed.
///
/// On its first call for a model directory it recovers the best evaluation
/// from the eval event files (``EvalRecovery``; skipped when
/// ``eventFilePattern`` is nil, which is not preemption-safe). Then:
///
/// - no best yet → export;
/// - **first decision after a (re)start** (``RestartPolicy/safe``, the
///   default): export only if the evaluation is at least as good as the
///   best recovered from disk — which it is when it *is* that evaluation,
///   already written when the exporter runs (estimator#35) — and not worse
///   than the best export that survives (ranked by the metrics in the
///   exports' manifests). Otherwise, if an export as good as the recovered
///   best survives, nothing is exported; if none does, the best's own
///   checkpoint is exported when it still exists, else the current
///   evaluation, but only when it beats every surviving export. TensorFlow
///   exports unconditionally here, replacing a better model with a worse
///   one after every restart (tensorflow/tensorflow#47396);
///   ``RestartPolicy/tensorFlow`` does that too.
/// - later → export when strictly better than the best so far.
///
/// After each export, old exports are deleted down to ``exportsToKeep``:
/// the newest ones as TensorFlow does, or the best ones
/// (``Retention/best``); with the safe policy the best surviving export is
/// never among them. An export that fails leaves nothing behind and the
/// best unchanged.
///
/// In the default mode an evaluation without the metric, or whose metric
/// is NaN, is skipped (``ExportReason/missingMetric(_:)``); in strict mode
/// the comparison throws, as TensorFlow's `_loss_smaller` raises.
///
/// ```swift
/// var exporter = try BestExporter(comparison: .larger("accuracy"), exportsToKeep: 3)
/// let model = ModelDirectory("model_dir")
/// let outcome = try exporter.considerExport(model: model, exportPath: model.exportPath(for: exporter.name),
///                                           checkpoint: .matchingGlobalStep, evalResult: result)
/// print(outcome)
/// ```
public struct BestExporter: ExplainingExporter {
    /// What the first decision after a start does when a better evaluation
    /// is already in the event files.
    public enum RestartPolicy: Sendable, Equatable {
        /// Export only if at least as good as the recovered best, or when
        /// no export of that best survives (the default).
        case safe
        /// Always export on the first call, as TensorFlow does.
        case tensorFlow
    }

    /// Which exports garbage collection keeps.
    public enum Retention: Sendable, Equatable {
        /// The newest ``BestExporter/exportsToKeep`` (TensorFlow).
        case newest
        /// The best ``BestExporter/exportsToKeep`` by the exporter's comparison.
        case best
        /// The union of the `best` best exports, the `newest` newest ones
        /// and those whose step is a multiple of `every` (best-K ∪ last-N,
        /// Orbax's `keep_period`); ``BestExporter/exportsToKeep`` is not used.
        case union(best: Int, newest: Int, every: Int64?)
    }

    /// Settings TensorFlow does not have.
    public struct Options: Sendable {
        /// See ``RestartPolicy``. Default ``RestartPolicy/safe``.
        public var restartPolicy: RestartPolicy = .safe
        /// See ``Retention``. Default ``Retention/newest``.
        public var retention: Retention = .newest
        /// Raise on missing metrics and corrupt event files as TensorFlow
        /// does (``BestTracker/Options/strict``). Default false.
        public var strict = false
        /// Count TF2 tensor scalars when reading event files. Default true.
        public var includeTensorScalars = true
        /// With the safe restart policy: when the recovered best is better
        /// than the current evaluation and none of its exports survives,
        /// export the best's checkpoint if it still exists. Default true.
        public var restoreMissingBest = true
        /// How event files are read.
        public var readerOptions = RecordReaderOptions()
        /// A later evaluation is better only when it beats the best by more
        /// than this (Lightning's and Keras's `min_delta`). Built-in
        /// comparisons only; default 0.
        public var minDelta = 0.0
        /// Nothing is exported unless strictly better than this value of
        /// the metric (Keras's `initial_value_threshold`). Built-in
        /// comparisons only; default nil.
        public var initialThreshold: Double?
        /// A later evaluation whose metric equals the best one's counts as
        /// better (Orbax's tie rule, ``CheckpointLayout/TieRule/latest``).
        /// Built-in comparisons only; default false.
        public var tiesGoToLatest = false
        /// Only events holding the metric are evaluations
        /// (``BestTracker/Options/metricEventsOnly``). Default false.
        public var metricEventsOnly = false
        /// The clock naming export directories.
        public var clock: any ExportClock = SystemExportClock()

        /// The defaults.
        public init() {}

        /// Everything as TensorFlow does it: unconditional first export,
        /// strict comparisons, `simple_value` scalars only.
        public static var tensorFlow: Options {
            var options = Options()
            options.restartPolicy = .tensorFlow
            options.strict = true
            options.includeTensorScalars = false
            options.restoreMissingBest = false
            return options
        }
    }

    /// The directory name under `export/` (`best_exporter`).
    public let name: String
    /// Writes what an export contains (the role of `serving_input_receiver_fn`).
    public let modelWriter: any ModelWriter
    /// Glob of the eval event files, relative to the model directory; nil
    /// or empty: do not read them (not preemption-safe).
    public let eventFilePattern: String?
    /// The comparison (`compare_fn`).
    public let comparison: MetricComparison
    /// `assets.extra/` content: destination (relative) → source path.
    public let assetsExtra: [String: String]
    /// Ask the model writer for text formats, and write the manifest as text.
    public let asText: Bool
    /// How many exports to keep; nil keeps all.
    public let exportsToKeep: Int?
    /// Settings TensorFlow does not have.
    public let options: Options

    /// The best evaluation so far: recovered from the event files, or the last exported.
    public private(set) var best: EvalResult?
    /// Whether this exporter has exported anything.
    public private(set) var hasExported = false
    /// The recovery made on the first call, with its counts and issues.
    public private(set) var lastRecovery: EvalRecovery.Result?

    private var modelDirectory: String?
    private var recoveredBest: EvalResult?
    private var awaitingFirstDecision = true
    private let assetPairs: [(destination: String, source: String)]
    var fileSystem: any ExportFileSystem = POSIXFileSystem()

    /// An exporter; the arguments are `BestExporter`'s (FORMAT §6.2).
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)``: `exportsToKeep` not
    ///   positive ("`exports_to_keep`, if provided, must be a positive
    ///   number. Got 0"), an empty or multi-component name, an empty metric
    ///   name, an `assetsExtra` destination that is absolute or leaves
    ///   `assets.extra/`.
    public init(name: String = "best_exporter", modelWriter: any ModelWriter = CheckpointSnapshotWriter(),
                eventFilePattern: String? = EvalRecovery.defaultPattern, comparison: MetricComparison = .lossSmaller,
                assetsExtra: [String: String] = [:], asText: Bool = false, exportsToKeep: Int? = 5,
                options: Options = Options()) throws(ExportError) {
        if let exportsToKeep, exportsToKeep <= 0 {
            throw .invalidArgument(.exportsToKeepNotPositive(exportsToKeep, exporter: "BestExporter"))
        }
        if let metric = comparison.metric, metric.isEmpty { throw .invalidArgument(.emptyMetricName) }
        assetPairs = try ExportRunner.validate(name: name, assetsExtra: assetsExtra)
        self.name = name
        self.modelWriter = modelWriter
        self.eventFilePattern = eventFilePattern.flatMap { $0.isEmpty ? nil : $0 }
        self.comparison = comparison
        self.assetsExtra = assetsExtra
        self.asText = asText
        self.exportsToKeep = exportsToKeep
        self.options = options
    }

    /// The tracker options for recovering from the event files.
    public var trackerOptions: BestTracker.Options {
        var tracker = BestTracker.Options(strict: options.strict, includeTensorScalars: options.includeTensorScalars)
        tracker.tiesGoToLatest = options.tiesGoToLatest
        tracker.metricEventsOnly = options.metricEventsOnly
        return tracker
    }

    /// Sets the state a first call would have recovered from `modelDirectory`
    /// (for callers that read the event files themselves, like
    /// `tfevents watch`); the next call makes the first decision.
    public mutating func prime(modelDirectory: ModelDirectory, recovery: EvalRecovery.Result) {
        self.modelDirectory = modelDirectory.path
        best = recovery.best
        recoveredBest = recovery.best
        lastRecovery = recovery
        awaitingFirstDecision = true
    }


    /// Decides about `evalResult` and exports when it is the best.
    ///
    /// - Returns: what was done and why.
    /// - Throws: ``ExportError``: recovery failures (strict mode), a failed
    ///   comparison (strict mode, custom rules), a missing checkpoint, a
    ///   failed export. After a throw the best result is unchanged.
    public mutating func considerExport(model: ModelDirectory, exportPath: String,
                                        checkpoint: CheckpointSelection = .matchingGlobalStep,
                                        evalResult current: EvalResult,
                                        isFinalExport: Bool = false) throws(ExportError) -> ExportOutcome {
        if let pattern = eventFilePattern, modelDirectory != model.path {
            let recovery = try EvalRecovery.recover(modelDirectory: model.path, pattern: pattern, comparison: comparison,
                                                    options: trackerOptions, readerOptions: options.readerOptions)
            prime(modelDirectory: model, recovery: recovery)
        }
        let runner = ExportRunner(name: name, modelWriter: modelWriter, assetsExtra: assetPairs, asText: asText,
                                  comparison: comparison.description, clock: options.clock, fileSystem: fileSystem)
        func currentCheckpoint() throws(ExportError) -> Checkpoint {
            try runner.checkpoint(checkpoint, model: model, evalResult: current)
        }

        if !options.strict {
            if let missing = comparison.requiredMetrics.first(where: { current.metrics[$0] == nil }) {
                return skipped(current, .missingMetric(missing))
            }
            if let metric = comparison.metric, current.metrics[metric]?.isNaN == true {
                return skipped(current, .nanMetric(metric))
            }
        }
        if let threshold = options.initialThreshold, let goal = comparison.goal,
           let value = current.metrics[goal.metric], !goal.improves(value, on: threshold) {
            return skipped(current, .notBeyondThreshold(threshold))
        }
        guard let best else {
            // Nothing in the event files, but an export may survive them.
            if awaitingFirstDecision && options.restartPolicy == .safe {
                let ranking = ExportRanking(versions: (try? ExportGarbageCollector.versions(in: exportPath, fileSystem: fileSystem)) ?? [],
                                            comparison: comparison, fileSystem: fileSystem)
                if let survivor = ranking.best, !ranking.isBetter(current, than: survivor.result) {
                    awaitingFirstDecision = false
                    self.best = survivor.result
                    return skipped(current, .worseThanSurvivingExport(survivor.result, exportDirectory: survivor.path))
                }
            }
            return try export(current, currentCheckpoint(), reason: .noBestYet, runner: runner, model: model,
                              exportPath: exportPath, isFinalExport: isFinalExport)
        }
        if !hasExported && options.restartPolicy == .tensorFlow {
            return try export(current, currentCheckpoint(), reason: .firstExportAlways(recovered: recoveredBest), runner: runner,
                              model: model, exportPath: exportPath, isFinalExport: isFinalExport)
        }
        if awaitingFirstDecision && options.restartPolicy == .safe {
            return try firstDecision(current, best: best, runner: runner, model: model, exportPath: exportPath,
                                     isFinalExport: isFinalExport, currentCheckpoint: currentCheckpoint)
        }
        var better: Bool
        do { better = try comparison.isBetter(best: best, current: current) } catch {
            throw .comparisonFailed(error, at: current.source, globalStep: current.globalStep, bestSoFar: best)
        }
        if !better, options.tiesGoToLatest, let metric = comparison.metric, let value = current.metrics[metric] {
            better = value == best.metrics[metric]
        }
        guard better else { return skipped(current, .notBetter(than: best)) }
        if options.minDelta > 0, let goal = comparison.goal, let value = current.metrics[goal.metric],
           let bestValue = best.metrics[goal.metric], !goal.improves(value, on: bestValue, by: options.minDelta) {
            return skipped(current, .notBetterByMinDelta(than: best, delta: options.minDelta))
        }
        return try export(current, currentCheckpoint(), reason: .better(than: best), runner: runner, model: model,
                          exportPath: exportPath, isFinalExport: isFinalExport)
    }

    /// The first decision after a (re)start, with the safe policy. The best
    /// known model is the better of the best evaluation in the event files
    /// and the best export that survives; nothing worse than the best
    /// surviving export is ever exported (TensorFlow's restart exports
    /// whatever comes first, tensorflow/tensorflow#47396).
    private mutating func firstDecision(_ current: EvalResult, best recovered: EvalResult, runner: ExportRunner,
                                        model: ModelDirectory, exportPath: String, isFinalExport: Bool,
                                        currentCheckpoint: () throws(ExportError) -> Checkpoint) throws(ExportError) -> ExportOutcome {
        let atLeastAsGood: Bool
        do { atLeastAsGood = try comparison.isAtLeastAsGood(current, as: recovered) } catch {
            throw .comparisonFailed(error, at: current.source, globalStep: current.globalStep, bestSoFar: recovered)
        }
        let ranking = ExportRanking(versions: (try? ExportGarbageCollector.versions(in: exportPath, fileSystem: fileSystem)) ?? [],
                                    comparison: comparison, fileSystem: fileSystem)
        let survivor = ranking.best
        /// Ends the first decision without exporting: the best so far is the
        /// better of `result` and the best surviving export.
        func settle(_ result: EvalResult) {
            awaitingFirstDecision = false
            if let survivor, ranking.isBetter(survivor.result, than: result) { best = survivor.result } else { best = result }
        }

        if atLeastAsGood {
            if let survivor, ranking.isBetter(survivor.result, than: current) {
                settle(current)
                return skipped(current, .worseThanSurvivingExport(survivor.result, exportDirectory: survivor.path))
            }
            // A restart after the export of this very evaluation (a watcher
            // killed after exporting), or of one as good: nothing new.
            if let surviving = survivingExport(of: current, in: exportPath), surviving.certain {
                settle(current)
                hasExported = true
                return skipped(current, .alreadyExported(current, exportDirectory: surviving.path))
            }
            return try export(current, currentCheckpoint(), reason: .atLeastAsGoodAsRecovered(recovered), runner: runner,
                              model: model, exportPath: exportPath, isFinalExport: isFinalExport)
        }
        // The current evaluation is worse than the best in the event files.
        if let surviving = survivingExport(of: recovered, in: exportPath) {
            settle(recovered)
            return skipped(current, .worseThanRecovered(recovered, survivingExport: surviving.path,
                                                        certain: surviving.certain))
        }
        if options.restoreMissingBest,
           let bestCheckpoint = try? runner.checkpoint(.matchingGlobalStep, model: model, evalResult: recovered) {
            return try export(recovered, bestCheckpoint, reason: .restoredMissingBest(current: current),
                              runner: runner, model: model, exportPath: exportPath, isFinalExport: isFinalExport)
        }
        // The best is lost (no export, no checkpoint): export the current
        // evaluation only if it beats every surviving export.
        if let survivor, !ranking.isBetter(current, than: survivor.result) {
            settle(recovered)
            return skipped(current, .worseThanSurvivingExport(survivor.result, exportDirectory: survivor.path))
        }
        return try export(current, currentCheckpoint(), reason: .bestLost(recovered), runner: runner, model: model,
                          exportPath: exportPath, isFinalExport: isFinalExport)
    }

    /// Deletes old exports down to ``exportsToKeep`` (nothing when it is
    /// nil). With the safe restart policy the best surviving export is never
    /// deleted. `export` and `watch` call this on start too, to finish a
    /// collection a killed run did not get to.
    package func collectGarbage(exportPath: String, protecting: String? = nil) -> ExportGarbageCollector.Report? {
        let retention: ExportGarbageCollector.Retention
        switch options.retention {
        case let .union(best, newest, every): retention = .union(best: best, newest: newest, every: every, comparison)
        case .best, .newest:
            guard let exportsToKeep else { return nil }
            retention = options.retention == .best ? .best(exportsToKeep, comparison) : .newest(exportsToKeep)
        }
        var collector = ExportGarbageCollector(retention: retention,
                                               protectBest: options.restartPolicy == .safe ? comparison : nil)
        collector.fileSystem = fileSystem
        collector.tiesGoToLatest = options.tiesGoToLatest
        return collector.collect(exportPath: exportPath, protecting: protecting)
    }

    private func skipped(_ result: EvalResult, _ reason: ExportReason) -> ExportOutcome {
        ExportOutcome(exportDirectory: nil, reason: reason, evalResult: result)
    }

    private mutating func export(_ result: EvalResult, _ checkpoint: Checkpoint, reason: ExportReason,
                                 runner: ExportRunner, model: ModelDirectory, exportPath: String,
                                 isFinalExport: Bool) throws(ExportError) -> ExportOutcome {
        let directory = try runner.export(model: model, exportPath: exportPath, checkpoint: checkpoint,
                                          evalResult: result, isFinalExport: isFinalExport)
        best = result
        hasExported = true
        awaitingFirstDecision = false
        let report = collectGarbage(exportPath: exportPath, protecting: directory)
        return ExportOutcome(exportDirectory: directory, reason: reason, evalResult: result, checkpoint: checkpoint,
                             garbageCollection: report)
    }

    /// An export as good as `best` in `exportPath`: one whose manifest has
    /// the same value of the metric (as float32, the precision summaries
    /// are written in), whatever its step; with a custom comparison, one of
    /// the same step. An export without a manifest (TensorFlow's) is judged
    /// by the `global_step` saved in its variables: the same step as
    /// `best` is its export, another step is not. Newest first; failing
    /// that, an export whose step cannot be read, which may hold it
    /// (`certain` false).
    func survivingExport(of best: EvalResult, in exportPath: String) -> (path: String, certain: Bool)? {
        let versions = (try? ExportGarbageCollector.versions(in: exportPath, fileSystem: fileSystem)) ?? []
        var unknown: String?
        for version in versions.reversed() {
            guard let manifest = try? ExportManifest.read(exportDirectory: version.path, fileSystem: fileSystem) else {
                switch SavedModelStep.read(exportDirectory: version.path) {
                case best.globalStep?: return (version.path, true)
                case nil: if unknown == nil { unknown = version.path }
                default: break  // the export of another step: not the best's
                }
                continue
            }
            if let metric = comparison.metric {
                guard let a = manifest.evalResult.metrics[metric], let b = best.metrics[metric], Float(a) == Float(b) else {
                    continue
                }
            } else if manifest.evalResult.globalStep != best.globalStep {
                continue
            }
            return (version.path, true)
        }
        return unknown.map { ($0, false) }
    }
}
