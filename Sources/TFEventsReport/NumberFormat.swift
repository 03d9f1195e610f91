#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers as a report shows them: short, exact enough to compare, and
/// never in a form a browser would misread.
package enum NumberFormat {
    /// A value with `digits` significant digits: `0.2533`, `1.234e-5`,
    /// `12345` (integers up to 7 digits are written in full), `NaN`,
    /// `+Inf`, `-Inf`. Trailing zeros are dropped.
    package static func value(_ x: Double, digits: Int = 4) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Inf" : "+Inf" }
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e-3 && magnitude < 1e7 {
            if x == x.rounded() && magnitude < 1e7 { return String(Int64(x)) }
            // Decimal places that give `digits` significant digits.
            let exponent = Int(floor(log10(magnitude)))
            let places = max(0, digits - 1 - exponent)
            return trimmed(fixed(x, places: places))
        }
        return scientific(x, digits: digits)
    }

    /// A step for axis labels and tables: `950`, `12.5k`, `3M`, `1.25G`.
    package static func step(_ x: Double) -> String {
        let magnitude = abs(x)
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where magnitude >= scale {
            return trimmed(fixed(x / scale, places: 3)) + suffix
        }
        return x == x.rounded() ? String(Int64(x)) : trimmed(fixed(x, places: 2))
    }

    /// A tick label for a tick spacing of `spacing`: just enough decimals to
    /// tell neighbouring ticks apart (`0.25`, `0.3`, `1e-6`, `2k`).
    package static func tick(_ x: Double, spacing: Double) -> String {
        if x == 0 { return "0" }
        let magnitude = abs(x)
        if magnitude >= 1e5 || magnitude < 1e-4 {
            // Significant digits needed: those of the spacing relative to x.
            let digits = max(1, min(6, Int(floor(log10(magnitude))) - Int(floor(log10(spacing))) + 1))
            return scientific(x, digits: digits)
        }
        let places = max(0, -Int(floor(log10(spacing) + 1e-9)))
        return trimmed(fixed(x, places: places))
    }

    /// A byte count: `812 B`, `1.4 KiB`, `3.2 MiB`.
    package static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : trimmed(fixed(value, places: 1)) + " " + units[unit]
    }

    /// A number for SVG coordinates: at most two decimals, no exponent.
    static func coordinate(_ x: Double) -> String {
        let rounded = (x * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        return trimmed(fixed(rounded, places: 2))
    }

    // MARK: - Helpers

    /// `x` with exactly `places` decimals, rounded half away from zero.
    static func fixed(_ x: Double, places: Int) -> String {
        let places = min(places, 15)
        var scale = 1.0
        for _ in 0 ..< places { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e18 else { return scientific(x, digits: 6) }
        let integer = UInt64(scaled)
        let whole = integer / UInt64(scale)
        let fraction = integer % UInt64(scale)
        var out = x < 0 && integer != 0 ? "-" : ""
        out += String(whole)
        if places > 0 {
            let digits = String(fraction)
            out += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return out
    }

    /// `1.234e-5`: `digits` significant digits, trailing zeros dropped.
    static func scientific(_ x: Double, digits: Int) -> String {
        var exponent = Int(floor(log10(abs(x))))
        var mantissa = x / pow(10, Double(exponent))
        // Rounding may carry into a new digit (9.9996 → 10.00).
        let rounded = trimmed(fixed(mantissa, places: max(0, digits - 1)))
        if let value = Double(rounded), abs(value) >= 10 {
            exponent += 1
            mantissa = x / pow(10, Double(exponent))
        }
        return trimmed(fixed(mantissa, places: max(0, digits - 1))) + "e" + String(exponent)
    }

    /// Drops trailing zeros after a decimal point (and the point itself).
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var out = Substring(text)
        while out.hasSuffix("0") { out = out.dropLast() }
        if out.hasSuffix(".") { out = out.dropLast() }
        return out == "-0" ? "0" : String(out)
    }
}
