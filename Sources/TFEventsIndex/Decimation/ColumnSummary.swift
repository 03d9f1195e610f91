/// One point of a series: its step and value.
package struct SeriesPoint: Sendable, Equatable {
    /// The step.
    package var step: Int64
    /// The value (any double, NaN and infinities included).
    package var value: Double

    /// A point.
    package init(step: Int64, value: Double) {
        self.step = step
        self.value = value
    }

    /// Compares values bit for bit, so NaN points equal themselves.
    package static func == (a: SeriesPoint, b: SeriesPoint) -> Bool {
        a.step == b.step && a.value.bitPattern == b.value.bitPattern
    }
}

/// What one column of a decimated series keeps of the points that fell in
/// it: the first, smallest, largest and last finite points (so a line
/// through them looks exactly like a line through all of them at this
/// width), their mean for smoothing, and counts of non-finite values so
/// that none is dropped silently.
///
/// Each kept point carries its position in the original sequence, so
/// summaries of the same column merge exactly, in any grouping.
package struct ColumnSummary: Sendable, Equatable {
    /// Position of a point in the whole series (file order).
    package typealias Sequence = Int64

    /// First finite point (smallest sequence number).
    package private(set) var first = SeriesPoint(step: 0, value: .nan)
    /// Its sequence number.
    package private(set) var firstSequence: Sequence = .max
    /// Last finite point (largest sequence number).
    package private(set) var last = SeriesPoint(step: 0, value: .nan)
    /// Its sequence number.
    package private(set) var lastSequence: Sequence = .min
    /// Smallest finite value (the earliest on ties).
    package private(set) var minimum = SeriesPoint(step: 0, value: .nan)
    /// Its sequence number.
    package private(set) var minimumSequence: Sequence = .max
    /// Largest finite value (the earliest on ties).
    package private(set) var maximum = SeriesPoint(step: 0, value: .nan)
    /// Its sequence number.
    package private(set) var maximumSequence: Sequence = .max
    /// Finite points.
    package private(set) var finiteCount = 0
    /// Sum of the finite values (for the mean).
    package private(set) var valueSum = 0.0
    /// Sum of the finite points' steps (for the mean step).
    package private(set) var stepSum = 0.0
    /// NaN points.
    package private(set) var nanCount = 0
    /// +Inf points.
    package private(set) var positiveInfinityCount = 0
    /// -Inf points.
    package private(set) var negativeInfinityCount = 0
    /// Step of the earliest non-finite point (meaningful when there is one).
    package private(set) var firstNonFiniteStep: Int64 = 0
    /// Its sequence number.
    package private(set) var firstNonFiniteSequence: Sequence = .max
    /// Step of the first point added: where the column is.
    package private(set) var anchorStep: Int64 = 0

    /// An empty column.
    package init() {}

    /// Points of any kind.
    package var count: Int { finiteCount + nonFiniteCount }
    /// NaN and infinite points.
    package var nonFiniteCount: Int { nanCount + positiveInfinityCount + negativeInfinityCount }
    /// Mean of the finite values (NaN when there is none).
    package var mean: Double { finiteCount > 0 ? valueSum / Double(finiteCount) : .nan }
    /// Mean of the finite points' steps.
    package var meanStep: Double { finiteCount > 0 ? stepSum / Double(finiteCount) : Double(anchorStep) }

    /// Adds one point, in any order (sequence numbers decide first and last).
    @inline(__always)
    package mutating func add(sequence: Sequence, step: Int64, value: Double) {
        if count == 0 { anchorStep = step }
        guard value.isFinite else {
            if value.isNaN { nanCount += 1 } else if value > 0 { positiveInfinityCount += 1 } else { negativeInfinityCount += 1 }
            if sequence < firstNonFiniteSequence {
                firstNonFiniteSequence = sequence
                firstNonFiniteStep = step
            }
            return
        }
        let point = SeriesPoint(step: step, value: value)
        if finiteCount == 0 {
            first = point; firstSequence = sequence
            last = point; lastSequence = sequence
            minimum = point; minimumSequence = sequence
            maximum = point; maximumSequence = sequence
        } else {
            if sequence < firstSequence { first = point; firstSequence = sequence }
            if sequence > lastSequence { last = point; lastSequence = sequence }
            if value < minimum.value || (value == minimum.value && sequence < minimumSequence) {
                minimum = point; minimumSequence = sequence
            }
            if value > maximum.value || (value == maximum.value && sequence < maximumSequence) {
                maximum = point; maximumSequence = sequence
            }
        }
        finiteCount += 1
        valueSum += value
        stepSum += Double(step)
    }

    /// Adds a point that comes after every point added so far (a larger
    /// sequence number): the same result as ``add(sequence:step:value:)``
    /// with fewer comparisons, for the hot loop over a chunk.
    @inline(__always)
    mutating func append(sequence: Sequence, step: Int64, value: Double) {
        guard value.isFinite, finiteCount > 0 else {
            add(sequence: sequence, step: step, value: value)
            return
        }
        let point = SeriesPoint(step: step, value: value)
        last = point
        lastSequence = sequence
        // Strict comparisons: on ties the earlier point stays.
        if value < minimum.value { minimum = point; minimumSequence = sequence }
        if value > maximum.value { maximum = point; maximumSequence = sequence }
        finiteCount += 1
        valueSum += value
        stepSum += Double(step)
    }

    /// Merges the summary of other points of the same column: the result
    /// is the summary of all the points together.
    package mutating func merge(_ other: ColumnSummary) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        if other.finiteCount > 0 {
            if finiteCount == 0 {
                first = other.first; firstSequence = other.firstSequence
                last = other.last; lastSequence = other.lastSequence
                minimum = other.minimum; minimumSequence = other.minimumSequence
                maximum = other.maximum; maximumSequence = other.maximumSequence
            } else {
                if other.firstSequence < firstSequence { first = other.first; firstSequence = other.firstSequence }
                if other.lastSequence > lastSequence { last = other.last; lastSequence = other.lastSequence }
                if other.minimum.value < minimum.value
                    || (other.minimum.value == minimum.value && other.minimumSequence < minimumSequence) {
                    minimum = other.minimum; minimumSequence = other.minimumSequence
                }
                if other.maximum.value > maximum.value
                    || (other.maximum.value == maximum.value && other.maximumSequence < maximumSequence) {
                    maximum = other.maximum; maximumSequence = other.maximumSequence
                }
            }
        }
        finiteCount += other.finiteCount
        valueSum += other.valueSum
        stepSum += other.stepSum
        nanCount += other.nanCount
        positiveInfinityCount += other.positiveInfinityCount
        negativeInfinityCount += other.negativeInfinityCount
        if other.firstNonFiniteSequence < firstNonFiniteSequence {
            firstNonFiniteSequence = other.firstNonFiniteSequence
            firstNonFiniteStep = other.firstNonFiniteStep
        }
    }

    /// The kept finite points (first, minimum, maximum, last) without
    /// repeats, in sequence order: what a line through the column draws.
    package var pathPoints: [SeriesPoint] {
        guard finiteCount > 0 else { return [] }
        var kept: [(Sequence, SeriesPoint)] = [(firstSequence, first)]
        for candidate in [(minimumSequence, minimum), (maximumSequence, maximum), (lastSequence, last)]
        where !kept.contains(where: { $0.0 == candidate.0 }) {
            kept.append(candidate)
        }
        kept.sort { $0.0 < $1.0 }
        return kept.map(\.1)
    }
}
