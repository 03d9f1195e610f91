import TFEventsCore

/// One scalar time series, in columns.
public struct ScalarSeries: Sendable, Equatable {
    /// Steps, in the order the points were written.
    public var steps: [Int64] = []
    /// Wall times, seconds since the epoch.
    public var wallTimes: [Double] = []
    /// Values.
    public var values: [Double] = []

    /// An empty series.
    public init() {}

    /// Number of points.
    public var count: Int { values.count }

    mutating func append(step: Int64, wallTime: Double, value: Double) {
        steps.append(step)
        wallTimes.append(wallTime)
        values.append(value)
    }

    /// Keeps the points for which `keep` is true.
    mutating func filter(_ keep: (Int) -> Bool) {
        var result = ScalarSeries()
        for i in 0 ..< count where keep(i) { result.append(step: steps[i], wallTime: wallTimes[i], value: values[i]) }
        self = result
    }
}

/// How points orphaned by a restart are treated at query time (FORMAT §4.3).
/// The index always stores every raw point; a policy only filters answers.
public enum PurgePolicy: String, Sendable, CaseIterable {
    /// Every point, as written.
    case none
    /// TensorBoard's `EventAccumulator`: a `SessionLog` START at step s
    /// discards the points already seen with step ≥ s.
    case sessionStart = "session-start"
    /// Rustboard's reservoir: a point at step s discards the points already
    /// seen in that series with step ≥ s.
    case stepRegression = "step-regression"
}

/// Where a non-scalar point is, so it can be read back without a rescan.
public struct BlobLocation: Sendable, Equatable {
    /// Absolute path of the event file.
    public var path: String
    /// Offset of the record holding the event.
    public var recordOffset: Int
    /// Length of that record, framing included.
    public var recordLength: Int
    /// The event's step.
    public var step: Int64
    /// The event's wall time.
    public var wallTime: Double
    /// What it holds.
    public var kind: BlobKind
    /// The tag.
    public var tag: String
}

/// A tag of a run, summed over the run's files.
public struct RunTag: Sendable, Equatable {
    /// The tag.
    public var name: String
    /// Plugin name from its first metadata (or derived from the value kind).
    public var pluginName: String
    /// Data class from its first metadata.
    public var dataClass: DataClass
    /// Scalar points.
    public var scalarCount: Int
    /// Non-scalar points.
    public var blobCount: Int
    /// Relative path of the file where it first appears.
    public var firstFile: String
    /// Offset of the record where it first appears.
    public var firstOffset: Int
}

/// One event with scalars, as the index returns it to a best-result tracker.
public struct IndexedEvaluation: Sendable {
    /// Relative path of the event file.
    public var file: String
    /// Offset of the record.
    public var recordOffset: Int
    /// The event's step.
    public var step: Int64
    /// The event's wall time.
    public var wallTime: Double
    /// Tags and values, in record order.
    public var values: [(tag: String, value: Double, encoding: ScalarValue.Encoding?)]
}
