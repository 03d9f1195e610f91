#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An axis: a domain of data values mapped onto a pixel range, with tick
/// values at "nice" numbers (1, 2 or 5 times a power of ten), as people
/// read axes.
///
/// Pure and deterministic, so that the geometry of a chart can be checked
/// against golden values.
package struct NiceScale: Sendable, Equatable {
    /// Smallest and largest data value shown.
    package var domain: ClosedRange<Double>
    /// Pixel coordinates of `domain.lowerBound` and `domain.upperBound`
    /// (the second may be smaller, as for a y axis).
    package var range: (start: Double, end: Double)
    /// Whether values are placed by their logarithm (base 10).
    package var isLogarithmic: Bool
    /// Tick values, ascending, inside the domain.
    package var ticks: [Double]
    /// Distance between neighbouring ticks (for labels); for a logarithmic
    /// scale, the smallest tick.
    package var tickSpacing: Double

    /// Equal domains, ranges, kinds and ticks.
    package static func == (a: NiceScale, b: NiceScale) -> Bool {
        a.domain == b.domain && a.range == b.range && a.isLogarithmic == b.isLogarithmic && a.ticks == b.ticks
            && a.tickSpacing == b.tickSpacing
    }

    /// A linear scale over `lower ... upper` with about `tickCount` ticks.
    ///
    /// - Parameters:
    ///   - padding: fraction of the data span added on each side (a y axis
    ///     leaves room above and below the curve; an x axis uses 0).
    ///   - niceDomain: whether to widen the domain to the nearest ticks.
    /// An empty span (`lower == upper`) is widened to ±1 around the value
    /// (or ±10 % of it); non-finite bounds give 0 ... 1.
    package static func linear(lower: Double, upper: Double, pixels: (start: Double, end: Double), tickCount: Int = 5,
                              padding: Double = 0, niceDomain: Bool = false) -> NiceScale {
        var (lo, hi) = (lower, upper)
        if !lo.isFinite || !hi.isFinite || lo > hi { (lo, hi) = (0, 1) }
        if lo == hi {
            let delta = lo == 0 ? 1 : abs(lo) * 0.1
            (lo, hi) = (lo - delta, hi + delta)
        } else if padding > 0 {
            let pad = (hi - lo) * padding
            (lo, hi) = (lo - pad, hi + pad)
        }
        let spacing = niceStep((hi - lo) / Double(max(1, tickCount)))
        if niceDomain {
            lo = (lo / spacing).rounded(.down) * spacing
            hi = (hi / spacing).rounded(.up) * spacing
        }
        var ticks: [Double] = []
        var k = (lo / spacing).rounded(.up)
        while k * spacing <= hi * (1 + 1e-12) + 1e-300, ticks.count < 100 {
            let tick = k * spacing
            ticks.append(tick == 0 ? 0 : tick)  // no -0
            k += 1
        }
        return NiceScale(domain: lo ... hi, range: pixels, isLogarithmic: false, ticks: ticks, tickSpacing: spacing)
    }

    /// A base-10 logarithmic scale over `lower ... upper` (both positive):
    /// ticks at powers of ten, and at 2 and 5 times them when the domain
    /// spans fewer than three decades (evenly spaced ticks when even those
    /// leave fewer than two). The domain is widened to whole decades when
    /// it spans more than one.
    package static func logarithmic(lower: Double, upper: Double, pixels: (start: Double, end: Double)) -> NiceScale {
        var (lo, hi) = (lower, upper)
        if !(lo > 0) || !hi.isFinite || hi < lo { (lo, hi) = (1, 10) }
        if lo == hi { (lo, hi) = (lo / 2, hi * 2) }
        var low = floor(log10(lo)), high = ceil(log10(hi))
        if high - low < 1 { high = low + 1 }
        let decades = high - low
        if decades > 1 {
            lo = pow(10, low)
            hi = pow(10, high)
        } else {
            (lo, hi) = (lo / 1.1, hi * 1.1)
            low = floor(log10(lo))
            high = ceil(log10(hi))
        }
        // Keep at most about 8 major ticks on wide ranges.
        let stride = max(1.0, ceil((high - low) / 8))
        let multiples: [Double] = decades <= 2 ? [1, 2, 5] : [1]
        var ticks: [Double] = []
        var exponent = low
        while exponent <= high {
            for m in multiples {
                let tick = m * pow(10, exponent)
                if tick >= lo * (1 - 1e-12) && tick <= hi * (1 + 1e-12) { ticks.append(tick) }
            }
            exponent += stride
        }
        if ticks.count < 2 {
            // Less than a 1-2-5 step across: evenly spaced ticks read better.
            let linear = NiceScale.linear(lower: lo, upper: hi, pixels: pixels, tickCount: 4)
            ticks = linear.ticks.filter { $0 > 0 }
        }
        return NiceScale(domain: lo ... hi, range: pixels, isLogarithmic: true, ticks: ticks,
                         tickSpacing: ticks.first ?? lo)
    }

    /// The pixel coordinate of `value` (unclamped; NaN for a non-positive
    /// value on a logarithmic scale).
    package func pixel(_ value: Double) -> Double {
        let t: Double
        if isLogarithmic {
            guard value > 0 else { return .nan }
            t = (log10(value) - log10(domain.lowerBound)) / (log10(domain.upperBound) - log10(domain.lowerBound))
        } else {
            t = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        }
        return range.start + t * (range.end - range.start)
    }

    /// The tick label of `tick`.
    package func label(_ tick: Double) -> String {
        isLogarithmic ? NumberFormat.value(tick, digits: 2) : NumberFormat.tick(tick, spacing: tickSpacing)
    }

    /// 1, 2 or 5 times a power of ten, the nearest at or above `rough`.
    package static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let exponent = floor(log10(rough))
        let base = pow(10, exponent)
        let fraction = rough / base
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * base
    }
}
