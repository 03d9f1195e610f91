/// Columns of steps for decimation: each column is `2^shift` steps wide and
/// starts at a multiple of its width.
///
/// Aligned power-of-two widths make grids nest: a column of a grid with a
/// smaller shift lies wholly inside one column of a grid with a larger
/// shift. That is what lets each chunk of a huge series be reduced on its
/// own, with a grid fitted to the chunk's steps, and the reductions be
/// merged exactly afterwards into the chart's grid (see
/// ``ColumnSummary/merge(_:)``): a chunk spans no more steps than the whole
/// series, so its fitted shift is never larger than the chart's.
package struct StepGrid: Sendable, Equatable {
    /// log2 of the column width in steps.
    package var shift: Int
    /// Index of the first column: `lowerStep >> shift`.
    package var origin: Int64
    /// Number of columns.
    package var columns: Int

    /// The finest grid covering `lower ... upper` with at most
    /// `maxColumns` columns (at least 1).
    package init(lower: Int64, upper: Int64, maxColumns: Int) {
        precondition(lower <= upper, "empty step range")
        let limit = Int64(max(1, maxColumns))
        var shift = 0
        // Only a span of 2^63 steps or more overflows the subtraction
        // (at shift 0); it is then simply not small enough.
        while shift < 63 {
            let (span, overflow) = (upper >> Int64(shift)).subtractingReportingOverflow(lower >> Int64(shift))
            if !overflow && span < limit { break }
            shift += 1
        }
        self.shift = shift
        origin = lower >> Int64(shift)
        // The loop stopped where this difference did not overflow (at shift
        // 63 it is 0 or 1).
        columns = Int((upper >> Int64(shift)) &- origin) + 1
    }

    /// The column holding `step` (may be outside `0 ..< columns` for a
    /// step outside the grid's range).
    @inline(__always)
    package func column(of step: Int64) -> Int {
        // Wraps only for steps far outside the grid, which callers filter.
        Int(truncatingIfNeeded: (step >> Int64(shift)) &- origin)
    }

    /// First step of `column`.
    package func lowerStep(of column: Int) -> Int64 {
        // column < columns: origin + column is a column index of the grid.
        (origin &+ Int64(column)) << Int64(shift)
    }

    /// Whether every column of `self` lies inside one column of `other`.
    package func nests(in other: StepGrid) -> Bool { shift <= other.shift }
}
