/// What "best" means for one metric: its name, and whether smaller or
/// larger values are better.
///
/// The one definition of the rule every path follows: the best-result
/// tracker reading event files, the index answering from its stored
/// extremes, the exporters, the report and the CLI.
///
/// - An evaluation is the scalars of one `Summary` event; when a tag
///   appears twice in one event, its last value is the evaluation's value
///   (TensorFlow builds a dictionary from the values in order).
/// - A NaN value can never be the best (``accepts(_:)``), not even the
///   first one.
/// - A value replaces the best only when strictly better
///   (``improves(_:on:)``): on a tie the earlier evaluation stays, earlier
///   meaning files in the byte order of their paths and events in file
///   order.
///
/// ```swift
/// let goal = MetricGoal.minimize("loss")
/// goal.improves(0.2, on: 0.3)   // true
/// goal.improves(0.3, on: 0.3)   // false: a tie keeps the earlier one
/// ```
public struct MetricGoal: Sendable, Hashable, CustomStringConvertible {
    /// Which way is better.
    public enum Direction: Sendable, Hashable {
        /// Smaller is better (losses, errors).
        case minimize
        /// Larger is better (accuracy, AUC, BLEU).
        case maximize

        /// Whether `value` can be the best at all: anything but NaN.
        @inlinable
        public func accepts(_ value: Double) -> Bool { !value.isNaN }

        /// Whether `candidate` is strictly better than `incumbent` (false
        /// for a tie, and whenever either is NaN).
        @inlinable
        public func improves(_ candidate: Double, on incumbent: Double) -> Bool {
            self == .maximize ? candidate > incumbent : candidate < incumbent
        }
    }

    /// The metric's tag, as written in the event files.
    public let metric: String
    /// Which way is better.
    public let direction: Direction

    /// A goal for `metric`.
    public init(metric: String, direction: Direction) {
        self.metric = metric
        self.direction = direction
    }

    /// Smaller `metric` is better.
    public static func minimize(_ metric: String) -> MetricGoal { MetricGoal(metric: metric, direction: .minimize) }

    /// Larger `metric` is better.
    public static func maximize(_ metric: String) -> MetricGoal { MetricGoal(metric: metric, direction: .maximize) }

    /// Whether a larger value is better.
    public var higherIsBetter: Bool { direction == .maximize }

    /// Whether `value` can be the best at all: anything but NaN.
    @inlinable
    public func accepts(_ value: Double) -> Bool { direction.accepts(value) }

    /// Whether `candidate` is strictly better than `incumbent` (false for a
    /// tie, and whenever either is NaN).
    @inlinable
    public func improves(_ candidate: Double, on incumbent: Double) -> Bool {
        direction.improves(candidate, on: incumbent)
    }

    /// Whether `candidate` beats `incumbent` by more than `delta` (a
    /// minimum improvement, as Lightning's and Keras's `min_delta`).
    public func improves(_ candidate: Double, on incumbent: Double, by delta: Double) -> Bool {
        direction == .maximize ? candidate - incumbent > delta : incumbent - candidate > delta
    }

    /// Whether `candidate` is at least as good as `incumbent`: better, or
    /// tied. Values equal after rounding both to float32 count as tied (a
    /// live result and the same evaluation read back from an event file,
    /// where TF1 stored it as a float32); NaN is never at least as good.
    public func isAtLeastAsGood(_ candidate: Double, as incumbent: Double) -> Bool {
        if candidate.isNaN { return false }
        if candidate == incumbent || Float(candidate) == Float(incumbent) { return true }
        return improves(candidate, on: incumbent)
    }

    /// `loss smaller`, `accuracy larger`.
    public var description: String { metric + (direction == .maximize ? " larger" : " smaller") }
}
