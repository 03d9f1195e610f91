/// SplitMix64: a tiny, fast, deterministic pseudo-random generator.
///
/// Synthetic logs must be the same bytes for the same seed on every machine
/// and Swift version, which `SystemRandomNumberGenerator` does not promise
/// (and whose `random(in:)` helpers may change their algorithm). This
/// generator (Steele, Lea, Flood, "Fast splittable pseudorandom number
/// generators", 2014) is a 64-bit counter with a strong output mix; every
/// helper below is defined here, not borrowed from the standard library.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The counter.
    public private(set) var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15  // a counter modulo 2^64: wrapping is the algorithm
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0 ..< bound` (Lemire's multiply-shift; the bias
    /// is below 2^-32 for the small bounds used here).
    ///
    /// - Precondition: `bound > 0`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// An approximately normal value (mean 0, deviation 1): the sum of four
    /// 16-bit uniforms taken from one draw, centred and scaled. Cheap and
    /// deterministic, with no `log` or `sqrt` whose last bit could differ
    /// between platforms' libm.
    public mutating func nextGaussianish() -> Double {
        let bits = next()
        let sum = Double(bits & 0xFFFF) + Double((bits >> 16) & 0xFFFF) + Double((bits >> 32) & 0xFFFF)
            + Double(bits >> 48)
        // Four uniforms on [0, 1): mean 2, variance 4/12; scale by sqrt(3).
        return (sum * 0x1.0p-16 - 2) * 1.7320508075688772
    }
}
