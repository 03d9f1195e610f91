/// A scalar series reduced to at most four finite points per column of a
/// ``StepGrid`` (first, minimum, maximum, last), with its non-finite
/// values counted per column: a line through the kept points is, at the
/// grid's resolution, the line through every point, and the extremes of
/// the series are always kept.
package struct DecimatedSeries: Sendable, Equatable {
    /// The grid the columns belong to.
    package var grid: StepGrid
    /// Non-empty columns, by column index.
    package var columns: [Int]
    /// Their summaries, parallel to ``columns``.
    package var summaries: [ColumnSummary]
    /// Smallest and largest step of any point.
    package var stepRange: ClosedRange<Int64>

    /// Points of any kind.
    package var pointCount: Int { summaries.reduce(0) { $0 + $1.count } }
    /// NaN points.
    package var nanCount: Int { summaries.reduce(0) { $0 + $1.nanCount } }
    /// +Inf points.
    package var positiveInfinityCount: Int { summaries.reduce(0) { $0 + $1.positiveInfinityCount } }
    /// -Inf points.
    package var negativeInfinityCount: Int { summaries.reduce(0) { $0 + $1.negativeInfinityCount } }

    /// The smallest finite value (earliest on ties), nil when none is finite.
    package var minimum: SeriesPoint? {
        var best: (ColumnSummary.Sequence, SeriesPoint)?
        for s in summaries where s.finiteCount > 0 {
            if let b = best, !(s.minimum.value < b.1.value || (s.minimum.value == b.1.value && s.minimumSequence < b.0)) { continue }
            best = (s.minimumSequence, s.minimum)
        }
        return best?.1
    }

    /// The largest finite value (earliest on ties), nil when none is finite.
    package var maximum: SeriesPoint? {
        var best: (ColumnSummary.Sequence, SeriesPoint)?
        for s in summaries where s.finiteCount > 0 {
            if let b = best, !(s.maximum.value > b.1.value || (s.maximum.value == b.1.value && s.maximumSequence < b.0)) { continue }
            best = (s.maximumSequence, s.maximum)
        }
        return best?.1
    }

    /// The last finite point in file order.
    package var lastFinite: SeriesPoint? {
        summaries.filter { $0.finiteCount > 0 }.max { $0.lastSequence < $1.lastSequence }?.last
    }

    /// Every kept finite point, column by column: what a line draws.
    package var pathPoints: [SeriesPoint] { summaries.flatMap(\.pathPoints) }

    /// The series of `steps` and `values` (parallel arrays, file order) on
    /// a grid of at most `maxColumns` columns fitted to its steps.
    ///
    /// - Returns: nil for an empty series.
    package static func decimate(steps: [Int64], values: [Double], maxColumns: Int) -> DecimatedSeries? {
        precondition(steps.count == values.count, "steps and values differ in length")
        guard let lower = steps.min(), let upper = steps.max() else { return nil }
        return decimate(steps: steps, values: values,
                        grid: StepGrid(lower: lower, upper: upper, maxColumns: maxColumns))
    }

    /// The series on `grid`, which must cover every step.
    package static func decimate(steps: [Int64], values: [Double], grid: StepGrid,
                                firstSequence: ColumnSummary.Sequence = 0) -> DecimatedSeries? {
        precondition(steps.count == values.count, "steps and values differ in length")
        guard !steps.isEmpty else { return nil }
        var reducer = ColumnReducer(grid: grid)
        for i in steps.indices { reducer.add(sequence: firstSequence + Int64(i), step: steps[i], value: values[i]) }
        return reducer.finish()
    }

    /// Parts of one series (each on its own grid that nests in `grid`)
    /// merged onto `grid`: exactly the decimation of all their points.
    package static func merge(_ parts: [DecimatedSeries], onto grid: StepGrid) -> DecimatedSeries? {
        guard !parts.isEmpty else { return nil }
        var dense = [ColumnSummary](repeating: ColumnSummary(), count: grid.columns)
        var lower = Int64.max, upper = Int64.min
        for part in parts {
            precondition(part.grid.nests(in: grid), "a part's grid is coarser than the target grid")
            lower = min(lower, part.stepRange.lowerBound)
            upper = max(upper, part.stepRange.upperBound)
            for summary in part.summaries {
                // The whole fine column lies in one target column, so any
                // of its steps says which.
                let column = grid.column(of: summary.anchorStep)
                precondition(column >= 0 && column < grid.columns, "a part lies outside the target grid")
                dense[column].merge(summary)
            }
        }
        var columns: [Int] = []
        var summaries: [ColumnSummary] = []
        for (index, summary) in dense.enumerated() where summary.count > 0 {
            columns.append(index)
            summaries.append(summary)
        }
        return DecimatedSeries(grid: grid, columns: columns, summaries: summaries, stepRange: lower ... upper)
    }
}

/// Decimates points one at a time onto a fixed grid (dense columns).
///
/// Points come in sequence order. The column being filled is kept aside
/// and merged into the dense array only when the column changes, so the
/// common case (steps increasing, many points per column) touches one
/// small struct per point.
struct ColumnReducer {
    let grid: StepGrid
    private var dense: [ColumnSummary]
    private var current = -1
    private var running = ColumnSummary()
    private var lower = Int64.max
    private var upper = Int64.min

    init(grid: StepGrid) {
        self.grid = grid
        dense = [ColumnSummary](repeating: ColumnSummary(), count: grid.columns)
    }

    /// Adds a point with a larger sequence number than any added before.
    @inline(__always)
    mutating func add(sequence: ColumnSummary.Sequence, step: Int64, value: Double) {
        let column = grid.column(of: step)
        if column != current {
            precondition(column >= 0 && column < dense.count, "step outside the grid")
            flush()
            current = column
        }
        running.append(sequence: sequence, step: step, value: value)
        if step < lower { lower = step }
        if step > upper { upper = step }
    }

    private mutating func flush() {
        if current >= 0 && running.count > 0 { dense[current].merge(running) }
        running = ColumnSummary()
    }

    /// The decimated series of the points added (nil when none was).
    mutating func finish() -> DecimatedSeries? {
        flush()
        current = -1
        guard lower <= upper else { return nil }
        var columns: [Int] = []
        var summaries: [ColumnSummary] = []
        for (index, summary) in dense.enumerated() where summary.count > 0 {
            columns.append(index)
            summaries.append(summary)
        }
        return DecimatedSeries(grid: grid, columns: columns, summaries: summaries, stepRange: lower ... upper)
    }
}
