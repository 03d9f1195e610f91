#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A colour for a run, the same in every report: picked from the run's
/// name, not from its position, so a run keeps its colour when others are
/// added or removed.
///
/// Hues come from a hash of the name, at two lightness levels, in the
/// OKLCH space (perceptually even: no hue is much louder than another),
/// converted to sRGB hex.
package enum RunColors {
    /// `#rrggbb` for `name`, from its hash alone.
    package static func color(for name: String) -> String {
        let (l, c, h) = candidate(for: name, salt: 0)
        return oklch(lightness: l, chroma: c, hue: h)
    }

    /// Colours for `names`: each run's own ``color(for:)``, unless that
    /// is too close to the colour of a run earlier in sorted order; then
    /// the next candidate of its name (the hash with a salt) that is far
    /// enough. So a run keeps its colour in every report where no
    /// look-alike precedes it, and two runs of one report never look alike
    /// (up to 16 candidates each).
    package static func assign(_ names: [String]) -> [String: String] {
        var taken: [(l: Double, a: Double, b: Double)] = []
        var result: [String: String] = [:]
        for name in Set(names).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            var best: (distance: Double, lab: (l: Double, a: Double, b: Double), hex: String)?
            for salt in 0 ..< 16 {
                let (l, c, h) = candidate(for: name, salt: salt)
                let lab = (l: l, a: c * cos(h * .pi / 180), b: c * sin(h * .pi / 180))
                var distance = Double.infinity
                for other in taken {
                    let dl: Double = (other.l - lab.l) * 0.5, da: Double = other.a - lab.a, db: Double = other.b - lab.b
                    distance = min(distance, (dl * dl + da * da + db * db).squareRoot())
                }
                if distance > (best?.distance ?? -1) {
                    best = (distance, lab, oklch(lightness: l, chroma: c, hue: h))
                }
                if distance >= minimumDistance { break }
            }
            if let best {
                taken.append(best.lab)
                result[name] = best.hex
            }
        }
        return result
    }

    /// OKLab distance (lightness counted half: thin lines are told apart
    /// by hue) below which two line colours look alike.
    static let minimumDistance = 0.1

    /// Lightness, chroma and hue of the `salt`-th candidate colour of `name`.
    static func candidate(for name: String, salt: Int) -> (Double, Double, Double) {
        // FNV-1a, 64 bits: stable across processes (Swift's Hasher is seeded).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        hash ^= UInt64(salt) &* 0x9e37_79b9_7f4a_7c15
        hash ^= hash >> 29
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 32
        let hue = Double(hash % 3600) / 10
        let lightness = [0.52, 0.62, 0.71][Int((hash >> 20) % 3)]
        return (lightness, 0.15, hue)
    }

    /// Fixed colours for the parts of one model directory, in order:
    /// evaluation first (blue), training (orange), then others.
    package static let sections = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#0891b2", "#be123c", "#4d7c0f", "#a16207"]

    /// An OKLCH colour as `#rrggbb`, chroma reduced until it fits sRGB.
    package static func oklch(lightness: Double, chroma: Double, hue: Double) -> String {
        var c = chroma
        while true {
            let h = hue * .pi / 180
            let a = c * cos(h), b = c * sin(h)
            // OKLab → linear sRGB (Björn Ottosson's matrices).
            let l_ = lightness + 0.3963377774 * a + 0.2158037573 * b
            let m_ = lightness - 0.1055613458 * a - 0.0638541728 * b
            let s_ = lightness - 0.0894841775 * a - 1.2914855480 * b
            let l = l_ * l_ * l_, m = m_ * m_ * m_, s = s_ * s_ * s_
            let r = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s
            let g = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s
            let bl = -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s
            let inGamut = [r, g, bl].allSatisfy { $0 >= -0.0001 && $0 <= 1.0001 }
            if inGamut || c <= 0.01 {
                return "#" + [r, g, bl].map { hex(gamma($0)) }.joined()
            }
            c -= 0.01
        }
    }

    /// Linear → sRGB-encoded, 0 ... 255.
    private static func gamma(_ linear: Double) -> Int {
        let x = min(1, max(0, linear))
        let encoded = x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055
        return Int((encoded * 255).rounded())
    }

    private static func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
