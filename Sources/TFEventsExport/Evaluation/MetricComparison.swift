import TFEventsIndex
/// How two evaluations are compared: whether the current one is strictly
/// better than the best so far.
///
/// The role of `compare_fn` in `tf.estimator.BestExporter` (`tensorflow_estimator/python/estimator/exporter.py`). Four
/// kinds:
///
/// - ``lossSmaller``: TensorFlow's default, `loss` strictly smaller, with
///   TensorFlow's error messages when a result has no `loss`;
/// - ``smaller(_:)`` and ``larger(_:)`` for any metric (a ``MetricGoal``,
///   the rule the index and the tracker share);
/// - ``custom(_:requiring:isBetter:)`` for anything else: the closure gets
///   one ``Candidates`` value whose fields are named `best` and `current`,
///   so it cannot receive them swapped (TensorFlow passes them by
///   position in one place and by keyword in another).
///
/// Every built-in comparison is strict: a tie keeps the earlier result,
/// and a NaN is never better (every comparison with NaN is false).
///
/// ```swift
/// let f1 = MetricComparison.larger("f1")
/// let custom = MetricComparison.custom("accuracy, then loss", requiring: ["accuracy", "loss"]) { pair in
///     let (best, current) = (pair.best, pair.current)
///     if current["accuracy"]! != best["accuracy"]! { return current["accuracy"]! > best["accuracy"]! }
///     return current["loss"]! < best["loss"]!
/// }
/// ```
public struct MetricComparison: Sendable, CustomStringConvertible {
    /// The two results a custom comparison is asked about.
    public struct Candidates: Sendable {
        /// The best result so far.
        public let best: EvalResult
        /// The result that may replace it.
        public let current: EvalResult
    }

    enum Rule: Sendable {
        case goal(MetricGoal)
        case custom(@Sendable (Candidates) throws -> Bool)
    }

    let rule: Rule
    /// Words for messages: "loss smaller", "accuracy larger", or the
    /// description given to a custom comparison.
    public let description: String
    /// The metrics a result must have to be compared. Results lacking one
    /// are skipped (or, in strict mode, make the comparison fail).
    public let requiredMetrics: [String]
    /// Whether missing-metric messages are TensorFlow's `_loss_smaller` ones.
    let usesLossSmallerMessages: Bool

    /// TensorFlow's default `_loss_smaller`: the current result is better
    /// when its `loss` is strictly smaller.
    public static let lossSmaller = MetricComparison(
        rule: .goal(.minimize("loss")), description: "loss smaller", requiredMetrics: ["loss"],
        usesLossSmallerMessages: true)

    /// Better when `metric` is strictly smaller (losses, errors).
    public static func smaller(_ metric: String) -> MetricComparison { .goal(.minimize(metric)) }

    /// Better when `metric` is strictly larger (accuracy, AUC, BLEU).
    public static func larger(_ metric: String) -> MetricComparison { .goal(.maximize(metric)) }

    /// Better by `goal`: the built-in rule of ``MetricGoal``.
    public static func goal(_ goal: MetricGoal) -> MetricComparison {
        if goal == .minimize("loss") { return .lossSmaller }
        return MetricComparison(rule: .goal(goal), description: goal.description, requiredMetrics: [goal.metric],
                                usesLossSmallerMessages: false)
    }

    /// Any rule: `isBetter` returns whether `current` is strictly better
    /// than `best`. An error it throws makes the comparison fail.
    ///
    /// Tracking calls the closure once per evaluation with a fresh
    /// dictionary of metrics, which costs an allocation per evaluation; the
    /// built-in comparisons allocate only when the best changes.
    ///
    /// - Parameters:
    ///   - description: words for messages and manifests.
    ///   - requiring: metrics without which a result is skipped rather than
    ///     compared (in strict mode, the closure is called anyway).
    ///   - isBetter: the rule.
    public static func custom(_ description: String, requiring metrics: [String] = [],
                              isBetter: @escaping @Sendable (Candidates) throws -> Bool) -> MetricComparison {
        MetricComparison(rule: .custom(isBetter), description: description, requiredMetrics: metrics,
                         usesLossSmallerMessages: false)
    }

    /// A comparison from a type whose method takes labelled `best:` and
    /// `current:` arguments.
    public static func custom(_ comparator: some EvalResultComparator, description: String,
                              requiring metrics: [String] = []) -> MetricComparison {
        custom(description, requiring: metrics) { try comparator.isBetter(best: $0.best, current: $0.current) }
    }

    /// The goal of a built-in comparison; nil for custom ones.
    public var goal: MetricGoal? {
        if case .goal(let goal) = rule { return goal }
        return nil
    }

    /// The metric a built-in comparison looks at; nil for custom ones.
    public var metric: String? { goal?.metric }

    /// Whether a larger value of ``metric`` is better (false for custom).
    public var higherIsBetter: Bool { goal?.higherIsBetter ?? false }

    /// Whether `current` is strictly better than `best`.
    ///
    /// - Throws: ``ComparisonError`` when a built-in comparison's metric is
    ///   missing (checked in `best` first, as TensorFlow does), or when a
    ///   custom rule throws.
    public func isBetter(best: EvalResult, current: EvalResult) throws(ComparisonError) -> Bool {
        switch rule {
        case .goal(let goal):
            guard let bestValue = best.metrics[goal.metric] else { throw missing(goal.metric, in: .best) }
            guard let currentValue = current.metrics[goal.metric] else { throw missing(goal.metric, in: .current) }
            return goal.improves(currentValue, on: bestValue)
        case .custom(let body):
            do {
                return try body(Candidates(best: best, current: current))
            } catch {
                throw ComparisonError(kind: .failed(error), comparison: description)
            }
        }
    }


    /// Whether `current` is at least as good as `best`: better, or tied.
    ///
    /// Built-in comparisons count values equal after rounding both to
    /// float32 as tied (a live result and the same evaluation read back
    /// from an event file); NaN is never at least as good. A custom rule is
    /// asked whether `best` is strictly better than `current`.
    public func isAtLeastAsGood(_ current: EvalResult, as best: EvalResult) throws(ComparisonError) -> Bool {
        switch rule {
        case .goal(let goal):
            guard let bestValue = best.metrics[goal.metric] else { throw missing(goal.metric, in: .best) }
            guard let currentValue = current.metrics[goal.metric] else { throw missing(goal.metric, in: .current) }
            return goal.isAtLeastAsGood(currentValue, as: bestValue)
        case .custom:
            return try !isBetter(best: current, current: best)
        }
    }

    /// Whether `result` has every metric in ``requiredMetrics``.
    public func canCompare(_ result: EvalResult) -> Bool {
        requiredMetrics.allSatisfy { result.metrics[$0] != nil }
    }

    func missing(_ metric: String, in role: ComparisonError.Role) -> ComparisonError {
        ComparisonError(kind: .missingMetric(metric, role), comparison: description,
                        tensorFlowMessages: usesLossSmallerMessages)
    }
}

/// A comparison rule as a type: its method's argument labels make the two
/// results impossible to swap.
public protocol EvalResultComparator: Sendable {
    /// Whether `current` is strictly better than `best`.
    func isBetter(best: EvalResult, current: EvalResult) throws -> Bool
}

/// A comparison could not be made.
public struct ComparisonError: Error, CustomStringConvertible {
    /// Which of the two results.
    public enum Role: String, Sendable, Equatable {
        /// The best result so far (`best_eval_result`).
        case best
        /// The result being considered (`current_eval_result`).
        case current
    }

    /// What went wrong. Fatal for the comparison (and, in strict mode, for
    /// the recovery that asked for it).
    ///
    /// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside
    /// this package needs `@unknown default`.
    @nonexhaustive
    public enum Kind: Sendable {
        /// The result in `role` lacks the metric.
        case missingMetric(String, Role)
        /// A custom comparison threw.
        case failed(any Error)
    }

    /// What went wrong.
    public let kind: Kind
    /// The comparison's description.
    public let comparison: String
    /// Whether ``description`` uses TensorFlow's `_loss_smaller` sentences.
    let tensorFlowMessages: Bool

    init(kind: Kind, comparison: String, tensorFlowMessages: Bool = false) {
        self.kind = kind
        self.comparison = comparison
        self.tensorFlowMessages = tensorFlowMessages
    }

    /// The missing metric and the result lacking it, if that is the problem.
    public var missingMetric: (metric: String, role: Role)? {
        if case let .missingMetric(metric, role) = kind { return (metric, role) }
        return nil
    }

    /// For the default comparison, TensorFlow's own sentence ("best_eval_result
    /// cannot be empty or no loss is found in it."); otherwise which result
    /// lacks which metric, or the custom rule's error.
    public var description: String {
        switch kind {
        case let .missingMetric(metric, role):
            if tensorFlowMessages {
                return "\(role.rawValue)_eval_result cannot be empty or no \(metric) is found in it."
            }
            return "\(role.rawValue)_eval_result has no \"\(metric)\" metric (comparison: \(comparison))"
        case let .failed(error):
            return "comparison \"\(comparison)\" failed: \(error)"
        }
    }
}
