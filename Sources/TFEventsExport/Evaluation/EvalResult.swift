/// One evaluation: the global step it evaluated, its metrics, and the event
/// it was read from.
///
/// This is what `tf.estimator` calls `eval_result`. A result recovered from
/// event files carries every scalar of one `Summary` event (TF1
/// `simple_value`s as float32 widened to `Double`, TF2 tensor scalars at
/// their stored precision) and ``source`` says where that event is; a
/// result handed over by a training loop has no source.
///
/// Unlike TensorFlow's dictionary, the global step is a field, never a
/// metric: Estimator's live `eval_result` holds a `global_step` key that the
/// event files do not, which made the two kinds of results differ.
public struct EvalResult: Sendable, Equatable, CustomStringConvertible {
    /// The step that was evaluated (`Event.step` for recovered results).
    public var globalStep: Int64
    /// Metric name → value. NaN and infinities are kept as they are.
    public var metrics: [String: Double]
    /// Where the result was read, nil for a result not read from a file.
    public var source: EvalSource?

    /// A result.
    public init(globalStep: Int64, metrics: [String: Double], source: EvalSource? = nil) {
        self.globalStep = globalStep
        self.metrics = metrics
        self.source = source
    }

    /// The value of `metric`, or nil when the result lacks it.
    public subscript(metric: String) -> Double? { metrics[metric] }

    /// Compares bit for bit, so that results holding NaN equal themselves.
    public static func == (a: EvalResult, b: EvalResult) -> Bool {
        guard a.globalStep == b.globalStep, a.source == b.source, a.metrics.count == b.metrics.count else {
            return false
        }
        for (name, value) in a.metrics {
            guard let other = b.metrics[name], other.bitPattern == value.bitPattern else { return false }
        }
        return true
    }

    /// `step 225 {accuracy: 0.89, loss: 0.25}`, metrics sorted by name.
    public var description: String {
        let pairs = metrics.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { "\($0.key): \($0.value)" }
        return "step \(globalStep) {" + pairs.joined(separator: ", ") + "}"
    }

    /// The metric names, sorted by their UTF-8 bytes (the order used in
    /// manifests and JSON output).
    public var sortedMetricNames: [String] {
        metrics.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The metrics as (name, value) pairs in ``sortedMetricNames`` order.
    public var sortedMetrics: [(name: String, value: Double)] {
        metrics.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    }
}

/// Where an evaluation was read: an event in an event file.
public struct EvalSource: Sendable, Hashable, CustomStringConvertible {
    /// The event file.
    public var path: String
    /// Offset of the event's record in the (uncompressed) file.
    public var recordOffset: Int
    /// Index of the event in the file, counting from 0 (the `file_version`
    /// event is usually index 0). The index TensorFlow's
    /// `summary_iterator` would give it.
    public var eventIndex: Int
    /// The event's `wall_time`.
    public var wallTime: Double

    /// A location.
    public init(path: String, recordOffset: Int, eventIndex: Int, wallTime: Double) {
        self.path = path
        self.recordOffset = recordOffset
        self.eventIndex = eventIndex
        self.wallTime = wallTime
    }

    /// Compares the wall time bit for bit.
    public static func == (a: EvalSource, b: EvalSource) -> Bool {
        a.path == b.path && a.recordOffset == b.recordOffset && a.eventIndex == b.eventIndex
            && a.wallTime.bitPattern == b.wallTime.bitPattern
    }

    /// Hashes what ``==`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(recordOffset)
        hasher.combine(eventIndex)
        hasher.combine(wallTime.bitPattern)
    }

    /// `path (event 19 at offset 1234)`.
    public var description: String { "\(path) (event \(eventIndex) at offset \(recordOffset))" }
}
