import TFEventsIndex
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// TensorBoard's scalar smoothing: a debiased exponential moving average
/// (`vz_line_chart2/line-chart.ts`, `resmoothDataset`).
///
/// For each finite value `v`: `last = last * w + (1 - w) * v`, counted
/// `n`, and the smoothed value is `last / (1 - w^n)` (the division undoes
/// the pull towards the initial 0). A non-finite value is passed through
/// and does not move the average; a constant series is left as it is.
package enum Smoothing {
    /// The smoothed values of `values` with weight `weight` (0 ..< 1).
    package static func tensorBoard(_ values: [Double], weight: Double) -> [Double] {
        guard weight > 0, let first = values.first else { return values }
        if values.allSatisfy({ $0 == first }) { return values }
        var last = 0.0
        var accumulated = 0.0
        var out: [Double] = []
        out.reserveCapacity(values.count)
        for value in values {
            guard value.isFinite else {
                out.append(value)
                continue
            }
            last = last * weight + (1 - weight) * value
            accumulated += 1
            out.append(weight == 1 ? last : last / (1 - pow(weight, accumulated)))
        }
        return out
    }

    /// The same average over the columns of a decimated series: a column
    /// of `n` finite points with mean `m` counts as `n` points of value
    /// `m` (`last = last * w^n + (1 - w^n) * m`). Exact when every column
    /// holds one point; otherwise the average of the means, which is what
    /// the eye reads from a line that dense.
    ///
    /// - Returns: one value per summary (NaN for a column with no finite point).
    package static func tensorBoard(columns: [ColumnSummary], weight: Double) -> [Double] {
        guard weight > 0 else { return columns.map(\.mean) }
        let finite = columns.filter { $0.finiteCount > 0 }
        if let first = finite.first, finite.allSatisfy({ $0.minimum.value == first.minimum.value
                                                         && $0.maximum.value == first.minimum.value }) {
            return columns.map(\.mean)  // constant
        }
        var last = 0.0
        var accumulated = 0.0
        return columns.map { column in
            guard column.finiteCount > 0 else { return .nan }
            let n = Double(column.finiteCount)
            let decay = pow(weight, n)
            last = last * decay + (1 - decay) * column.mean
            accumulated += n
            return weight == 1 ? last : last / (1 - pow(weight, accumulated))
        }
    }
}
