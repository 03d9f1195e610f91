/// One scalar point: where a metric was best, or where it ended.
public struct ScalarPoint: Sendable, Hashable {
    /// The event's step.
    public var step: Int64
    /// The event's wall time, in seconds since the epoch.
    public var wallTime: Double
    /// The value.
    public var value: Double

    /// A point.
    public init(step: Int64, wallTime: Double, value: Double) {
        self.step = step
        self.wallTime = wallTime
        self.value = value
    }
}

/// Where a metric of a row is: the scalar `tag` of the run `run`.
public struct MetricSource: Sendable, Hashable {
    /// The run, relative to the log directory.
    public var run: String
    /// The scalar's tag.
    public var tag: String
}

/// A metric of one row of a ``RunTable``: its best and its last point.
public struct RunMetricSummary: Sendable, Hashable {
    /// The metric as asked for (`group/tag` relative to the row).
    public var name: String
    /// Where it was found, nil when the row lacks it.
    public var source: MetricSource?
    /// Points read.
    public var count = 0
    /// The best point under the goal: ties keep the earlier point (files
    /// in path order, points in file order), NaN is never best
    /// (``MetricGoal``).
    public var best: ScalarPoint?
    /// The last point in file order: the value TensorBoard's HParams
    /// dashboard shows for a session's metric.
    public var last: ScalarPoint?

    /// A metric not found yet.
    public init(name: String) { self.name = name }

    /// Takes the next point in file order.
    mutating func observe(_ point: ScalarPoint, goal: MetricGoal) {
        count += 1
        last = point
        guard goal.accepts(point.value) else { return }
        if let incumbent = best, !goal.improves(point.value, on: incumbent.value) { return }
        best = point
    }
}
