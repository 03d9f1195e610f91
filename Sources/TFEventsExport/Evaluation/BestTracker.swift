import TFRecord
import TFEventsCore
import TFEventsIndex
import TFEventsSystem

/// Keeps the best evaluation of a stream of eval events, event by event,
/// in memory that does not grow with the log.
///
/// What it does per event is `BestExporter._get_best_eval_result` (FORMAT
/// §6.5): the scalars of one `Summary` event form one evaluation (a tag
/// repeated in the event: the last value wins); an event without scalars is
/// not an evaluation (the `file_version` event, Estimator's
/// `checkpoint_path` text, histograms); the first evaluation becomes the
/// best and any later one replaces it only when strictly better
/// (``MetricComparison``).
///
/// Two modes:
/// - **default**: an evaluation without the comparison's metric (a BLEU
///   summary written into `eval/`, OpenNMT-tf#329) is skipped and counted
///   in ``Statistics/skippedMissingMetric``; one whose metric is NaN is
///   skipped and counted in ``Statistics/skippedNaN`` — it never becomes
///   the best, not even the first.
/// - **strict** (``Options/strict``): TensorFlow's behaviour: the first
///   evaluation is accepted without looking at it, and a later comparison
///   that finds the metric missing in either result throws, with
///   TensorFlow's message for the default comparison.
///
/// Unlike TensorFlow, TF2 tensor scalars count as metrics unless
/// ``Options/includeTensorScalars`` is off.
///
/// Cost: with a built-in comparison, an event costs one pass over its
/// values and no allocation; the metrics dictionary is built only when an
/// evaluation becomes the best. ``Options/trackNewest`` remembers only the
/// newest evaluation's location. A custom comparison builds one dictionary
/// per evaluation.
///
/// ```swift
/// var tracker = BestTracker(comparison: .larger("accuracy"))
/// var reader = try EventFileReader(path: file)
/// var index = 0
/// while let event = try reader.next() {
///     try tracker.observe(event, path: file, eventIndex: index)
///     index += 1
/// }
/// print(tracker.best?.globalStep as Any, tracker.statistics.skipped)
/// ```
public struct BestTracker {
    /// How evaluations are read and judged.
    public struct Options: Sendable, Equatable {
        /// TensorFlow's behaviour: accept the first evaluation unseen, throw
        /// when a comparison meets a result without the metric, throw on a
        /// corrupt event. Default false.
        public var strict = false
        /// Count TF2 tensor scalars as metrics (TensorFlow reads only
        /// `simple_value`). Default true.
        public var includeTensorScalars = true
        /// Remember where the newest comparable evaluation is
        /// (``BestTracker/newest`` reads it back: one record).
        /// Default false.
        public var trackNewest = false
        /// With a built-in comparison, a later evaluation whose metric
        /// equals the best one's replaces it (Orbax's `best_step()` picks
        /// the latest of tied checkpoints; ``CheckpointLayout/TieRule``).
        /// Default false: a tie keeps the earlier, as TensorFlow does.
        public var tiesGoToLatest = false
        /// With a built-in comparison, only events holding the metric are
        /// evaluations. For writers that put each scalar in an event of its
        /// own (PyTorch's `SummaryWriter`, tensorboardX, Keras): their
        /// `train/loss` and `eval/runtime` events are then neither counted
        /// nor reported as skipped. Default false (Estimator writes every
        /// metric of an evaluation into one event).
        public var metricEventsOnly = false
        /// When set, only evaluations at these steps count: the steps whose
        /// checkpoint survives, for the frameworks whose notion of the best
        /// is the best *saved* checkpoint (Orbax's `best_step()` never names
        /// an unfinished step, Keras saves only on improvement). Default nil.
        public var onlySteps: Set<Int64>?
        /// Whether files are read in runs of buffered records, decoded and
        /// scanned in one loop, where the comparison allows
        /// (``BestTracker/observesScans``); false reads one event at a time.
        /// The answers are the same: tests compare the two.
        package var scansBufferedRecords = true

        /// The defaults.
        public init() {}

        /// Options with the given settings.
        public init(strict: Bool = false, includeTensorScalars: Bool = true, trackNewest: Bool = false) {
            self.strict = strict
            self.includeTensorScalars = includeTensorScalars
            self.trackNewest = trackNewest
        }

        /// Exactly what `BestExporter._get_best_eval_result` does: strict,
        /// `simple_value` only.
        public static var tensorFlow: Options { Options(strict: true, includeTensorScalars: false) }
    }

    /// Counts of what was seen.
    public struct Statistics: Sendable, Equatable {
        /// Summary events holding at least one scalar (TensorFlow's non-empty dictionaries).
        public var evaluations = 0
        /// Evaluations that were compared (in strict mode, every evaluation).
        public var compared = 0
        /// Evaluations skipped because they lack a required metric.
        public var skippedMissingMetric = 0
        /// Evaluations skipped because their metric is NaN.
        public var skippedNaN = 0
        /// Summary values that claim to be tensors but do not decode (ignored).
        public var malformedValues = 0
        /// Times the best changed.
        public var improvements = 0

        /// Evaluations skipped, for any reason.
        public var skipped: Int { skippedMissingMetric + skippedNaN }

        /// Adds the counts of another tracker (files read separately).
        mutating func add(_ other: Statistics) {
            evaluations += other.evaluations
            compared += other.compared
            skippedMissingMetric += other.skippedMissingMetric
            skippedNaN += other.skippedNaN
            malformedValues += other.malformedValues
            improvements += other.improvements
        }

        /// Zero counts.
        public init() {}
    }

    /// The comparison.
    public let comparison: MetricComparison
    /// The options.
    public let options: Options
    /// The best evaluation so far.
    ///
    /// An event that becomes the best while being observed keeps only a
    /// copy of its summary bytes (into a buffer reused from one improvement
    /// to the next); its metrics dictionary is built when this is read. Per
    /// file, almost every event of a falling loss is an improvement: building
    /// a dictionary each time cost about a fifth of `tfevents best` on many
    /// small files.
    public var best: EvalResult? {
        guard pendingBest else { return storedBest }
        var metrics: [String: Double] = [:]
        var values = SummaryValues(summary: pendingSummary.rawSpan)
        var malformed = 0
        try? values.forEachScalar(includeTensorScalars: options.includeTensorScalars, malformed: &malformed) { tag, scalar in
            metrics[tag.utf8String] = scalar.value
        }
        return EvalResult(globalStep: pendingStep, metrics: metrics, source: pendingSource)
    }
    private var storedBest: EvalResult?
    private var hasBest: Bool { pendingBest || storedBest != nil }
    // The best as observed from an event, not yet a dictionary.
    private var pendingBest = false
    private var pendingSummary: [UInt8] = []
    private var pendingStep: Int64 = 0
    private var pendingSource = EvalSource(path: "", recordOffset: 0, eventIndex: -1, wallTime: 0)
    /// The counts so far.
    public private(set) var statistics = Statistics()

    // The metric of a built-in comparison, as bytes for a quick compare.
    private let metricTag: TagKey?
    private let goal: MetricGoal?
    // The goal's direction alone: binding `goal` per event retained and
    // released its metric's name.
    private var goalDirection: MetricGoal.Direction? { goal?.direction }
    private var builtInMetric: String? { goal?.metric }
    private var bestMetricValue: Double?
    private let internsTags: Bool

    // Tag interning (trackNewest or custom comparisons).
    private var tags = TagTable()
    private var tagNames: [String] = []
    private var prediction = TagPrediction()
    private var scratchIDs: [Int] = []
    private var scratchValues: [Double] = []
    private var scratchMetrics: [String: Double] = [:]

    // The newest comparable evaluation: where it is, or the result itself.
    private var newestSource: EvalSource?
    private var newestLive: EvalResult?
    private var hasNewest = false

    /// A tracker.
    public init(comparison: MetricComparison = .lossSmaller, options: Options = .init()) {
        self.comparison = comparison
        self.options = options
        goal = comparison.goal
        metricTag = comparison.metric.map(TagKey.init)
        internsTags = comparison.metric == nil
    }

    /// The newest evaluation that could be compared (it has the required
    /// metrics; in strict mode, any evaluation), when
    /// ``Options/trackNewest`` is on. An evaluation read from a file is read
    /// back from it (one record); nil if that fails (the file was deleted).
    public var newest: EvalResult? {
        guard hasNewest else { return nil }
        if let newestLive { return newestLive }
        guard let newestSource else { return nil }
        return readEvaluation(at: newestSource)
    }

    /// The evaluation whose event is at `source`, read again.
    func readEvaluation(at source: EvalSource) -> EvalResult? {
        var reader: EventFileReader
        do { reader = try EventFileReader(path: source.path, startOffset: source.recordOffset) } catch { return nil }
        while true {
            let next: EventView?
            do { next = try reader.next() } catch { return nil }
            guard let event = next else { return nil }
            if event.recordOffset < source.recordOffset { continue }  // compressed: decoded from the start
            guard event.recordOffset == source.recordOffset else { return nil }
            var metrics: [String: Double] = [:]
            var values = event.summaryValues()
            var malformed = 0
            try? values.forEachScalar(includeTensorScalars: options.includeTensorScalars, malformed: &malformed) { tag, scalar in
                metrics[tag.utf8String] = scalar.value
            }
            return EvalResult(globalStep: event.step, metrics: metrics, source: source)
        }
    }

    /// Sets the best result, as if it had been observed (a tracker resumed
    /// from a saved state).
    public mutating func restore(best: EvalResult?) {
        storedBest = best
        pendingBest = false
        bestMetricValue = builtInMetric.flatMap { best?.metrics[$0] }
    }

    // MARK: - Events

    /// Considers one event.
    ///
    /// - Parameters:
    ///   - path: the event file, recorded in the result's ``EvalSource``
    ///     (stored only when the event becomes the best or the newest).
    ///   - eventIndex: the event's index in the file.
    /// - Returns: whether the event became the best.
    /// - Throws: ``ExportError/comparisonFailed(_:at:globalStep:bestSoFar:)``
    ///   in strict mode or from a custom comparison;
    ///   ``ExportError/corruptEventFile(_:)`` when the summary does not
    ///   decode (in default mode too: the caller decides whether to go on).
    @discardableResult
    public mutating func observe(_ event: EventView, path: String, eventIndex: Int) throws(ExportError) -> Bool {
        guard event.kind == .summary else { return false }
        var scalarCount = 0
        var metricValue: Double?
        if internsTags {
            scratchIDs.removeAll(keepingCapacity: true)
            scratchValues.removeAll(keepingCapacity: true)
            do { try internValues(of: event, scalarCount: &scalarCount) } catch {
                throw .corruptEventFile(.invalidEvent(path: path, recordOffset: event.recordOffset, error: error))
            }
        } else {
            // A built-in comparison: one pass that only counts scalars and
            // keeps the metric's value (TFEventsCore's metric-only loop).
            var scan = MetricScan()
            defer { statistics.malformedValues += scan.malformedCount }
            do {
                try event.scanScalars(metric: metricTag, includeTensorScalars: options.includeTensorScalars, into: &scan)
            } catch {
                throw .corruptEventFile(.invalidEvent(path: path, recordOffset: event.recordOffset, error: error))
            }
            scalarCount = scan.scalarCount
            metricValue = goal == nil ? nil : scan.metricValue
        }
        if !options.strict, let direction = goalDirection {
            return considerScanned(event, scalarCount: scalarCount, metricValue: metricValue, direction: direction,
                                   path: path, eventIndex: eventIndex)
        }
        guard scalarCount > 0 else { return false }
        if options.metricEventsOnly, goal != nil, metricValue == nil { return false }
        if let only = options.onlySteps, !only.contains(event.step) { return false }
        statistics.evaluations += 1
        // Where the evaluation is, made only when kept or reported: built
        // for every evaluation it retained and released the path each time.
        let recordOffset = event.recordOffset
        let wallTime = event.wallTime
        func source() -> EvalSource {
            EvalSource(path: path, recordOffset: recordOffset, eventIndex: eventIndex, wallTime: wallTime)
        }

        guard let goal else {
            // Custom comparison: one dictionary per evaluation.
            scratchMetrics.removeAll(keepingCapacity: true)
            for (id, value) in zip(scratchIDs, scratchValues) { scratchMetrics[tagNames[id]] = value }
            let current = EvalResult(globalStep: event.step, metrics: scratchMetrics, source: source())
            return try consider(current)
        }

        // Strict mode.
        rememberNewest(path: path, recordOffset: recordOffset, eventIndex: eventIndex, wallTime: wallTime)
        guard hasBest else {
            accept(event, source: source(), metricValue: metricValue)
            return true
        }
        statistics.compared += 1
        guard let bestValue = bestMetricValue else {
            throw .comparisonFailed(comparison.missing(goal.metric, in: .best), at: source(),
                                    globalStep: event.step, bestSoFar: best)
        }
        guard let metricValue else {
            throw .comparisonFailed(comparison.missing(goal.metric, in: .current), at: source(),
                                    globalStep: event.step, bestSoFar: best)
        }
        guard wins(metricValue, over: bestValue, goal.direction) else { return false }
        accept(event, source: source(), metricValue: metricValue)
        return true
    }

    /// Whether the tracker can take events through
    /// ``observe(_:scanned:path:eventIndex:)``: a built-in comparison in
    /// default (not strict) mode, where nothing but a summary that does not
    /// decode makes ``observe(_:path:eventIndex:)`` throw.
    package var observesScans: Bool {
        goal != nil && !internsTags && !options.strict && options.scansBufferedRecords
    }

    /// The metric a scan for ``observe(_:scanned:path:eventIndex:)`` looks for.
    package var scanMetric: TagKey? { metricTag }

    /// ``observe(_:path:eventIndex:)`` for an event whose values were
    /// scanned already, for ``scanMetric`` and with tensor scalars as
    /// ``Options/includeTensorScalars`` says (the scan of a summary that
    /// decoded; an empty one for other events).
    ///
    /// - Precondition: ``observesScans``.
    package mutating func observe(_ event: EventView, scanned scan: MetricScan, path: String, eventIndex: Int) {
        guard event.kind == .summary, let direction = goalDirection else { return }
        statistics.malformedValues += scan.malformedCount
        considerScanned(event, scalarCount: scan.scalarCount, metricValue: scan.metricValue, direction: direction,
                        path: path, eventIndex: eventIndex)
    }

    /// The decision for an event whose scalars were scanned, with a built-in
    /// comparison in default mode: evaluations without the metric or with a
    /// NaN are skipped and counted, and one takes the best's place only when
    /// it wins.
    @discardableResult
    private mutating func considerScanned(_ event: EventView, scalarCount: Int, metricValue: Double?,
                                          direction: MetricGoal.Direction, path: String, eventIndex: Int) -> Bool {
        guard scalarCount > 0 else { return false }
        if options.metricEventsOnly, metricValue == nil { return false }
        if let only = options.onlySteps, !only.contains(event.step) { return false }
        statistics.evaluations += 1
        guard let metricValue else {
            statistics.skippedMissingMetric += 1
            return false
        }
        let recordOffset = event.recordOffset
        let wallTime = event.wallTime
        rememberNewest(path: path, recordOffset: recordOffset, eventIndex: eventIndex, wallTime: wallTime)
        guard direction.accepts(metricValue) else {
            statistics.skippedNaN += 1
            return false
        }
        statistics.compared += 1
        if let bestValue = bestMetricValue, !wins(metricValue, over: bestValue, direction) {
            return false
        }
        accept(event, source: EvalSource(path: path, recordOffset: recordOffset, eventIndex: eventIndex, wallTime: wallTime),
               metricValue: metricValue)
        return true
    }

    /// Whether `value` takes the best's place: strictly better, or equal
    /// when ties go to the latest.
    private func wins(_ value: Double, over best: Double, _ direction: MetricGoal.Direction) -> Bool {
        direction.improves(value, on: best) || (options.tiesGoToLatest && value == best)
    }

    /// Every scalar of `event` with its interned tag, into the scratch
    /// arrays (custom comparisons and tracking without a built-in metric).
    private mutating func internValues(of event: EventView, scalarCount: inout Int) throws(ProtoDecodingError) {
        var values = event.summaryValues()
        try values.forEachScalar(includeTensorScalars: options.includeTensorScalars,
                                 malformed: &statistics.malformedValues) { tag, scalar in
            let id = tags.intern(tag, predicted: &prediction, at: scalarCount)
            if id == tagNames.count { tagNames.append(tag.utf8String) }
            scratchIDs.append(id)
            scratchValues.append(scalar.value)
            scalarCount += 1
        }
    }

    /// Makes the event being observed the best: keeps a copy of its summary
    /// bytes (see ``best``).
    private mutating func accept(_ event: EventView, source: EvalSource, metricValue: Double?) {
        pendingSummary.removeAll(keepingCapacity: true)
        if event.kind == .summary { event.memberBytes.append(to: &pendingSummary) }
        pendingStep = event.step
        pendingSource = source
        pendingBest = true
        storedBest = nil
        bestMetricValue = metricValue
        statistics.improvements += 1
    }

    /// Remembers where the newest evaluation is. Within one file only the
    /// numbers change: written in place, without retaining and releasing
    /// the path for every evaluation.
    private mutating func rememberNewest(path: String, recordOffset: Int, eventIndex: Int, wallTime: Double) {
        guard options.trackNewest else { return }
        if newestSource?.path == path {
            newestSource?.recordOffset = recordOffset
            newestSource?.eventIndex = eventIndex
            newestSource?.wallTime = wallTime
        } else {
            newestSource = EvalSource(path: path, recordOffset: recordOffset, eventIndex: eventIndex, wallTime: wallTime)
        }
        newestLive = nil
        hasNewest = true
    }

    // MARK: - Results

    /// Considers a whole result: a live evaluation, or one read from an index.
    ///
    /// - Returns: whether it became the best.
    /// - Throws: as ``observe(_:path:eventIndex:)``.
    @discardableResult
    public mutating func observe(_ result: EvalResult) throws(ExportError) -> Bool {
        guard !result.metrics.isEmpty else { return false }
        if let only = options.onlySteps, !only.contains(result.globalStep) { return false }
        statistics.evaluations += 1
        return try consider(result)
    }

    /// Considers one evaluation from a log directory index
    /// (``LogdirIndex/forEachEvaluation(run:_:)``).
    ///
    /// - Parameter directory: the directory the index's relative paths start from.
    @discardableResult
    public mutating func observe(_ evaluation: IndexedEvaluation, directory: String) throws(ExportError) -> Bool {
        var metrics: [String: Double] = [:]
        for value in evaluation.values {
            if !options.includeTensorScalars, value.encoding != .simpleValue { continue }
            metrics[value.tag] = value.value
        }
        let source = EvalSource(path: FilePaths.join(directory, evaluation.file), recordOffset: evaluation.recordOffset,
                                eventIndex: -1, wallTime: evaluation.wallTime)
        return try observe(EvalResult(globalStep: evaluation.step, metrics: metrics, source: source))
    }

    /// The decision for a complete result (custom comparisons, live results).
    private mutating func consider(_ current: EvalResult) throws(ExportError) -> Bool {
        if !options.strict {
            guard comparison.canCompare(current) else {
                statistics.skippedMissingMetric += 1
                return false
            }
        }
        rememberNewest(current)
        if !options.strict, let goal, let value = current.metrics[goal.metric], !goal.accepts(value) {
            statistics.skippedNaN += 1
            return false
        }
        guard let best else {
            if options.strict == false { statistics.compared += 1 }
            take(current)
            return true
        }
        statistics.compared += 1
        let better: Bool
        do { better = try comparison.isBetter(best: best, current: current) } catch {
            throw .comparisonFailed(error, at: current.source, globalStep: current.globalStep, bestSoFar: best)
        }
        var tie = false
        if !better, options.tiesGoToLatest, let goal, let a = current.metrics[goal.metric], let b = best.metrics[goal.metric] {
            tie = a == b
        }
        guard better || tie else { return false }
        take(current)
        return true
    }

    private mutating func take(_ result: EvalResult) {
        storedBest = result
        pendingBest = false
        bestMetricValue = builtInMetric.flatMap { result.metrics[$0] }
        statistics.improvements += 1
    }

    private mutating func rememberNewest(_ result: EvalResult) {
        guard options.trackNewest else { return }
        newestLive = result
        hasNewest = true
    }
}
