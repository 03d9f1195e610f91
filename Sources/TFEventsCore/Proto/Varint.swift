/// Decoding a protobuf varint of up to 8 bytes without a loop: the bytes
/// are loaded as one little-endian word, the first byte without a
/// continuation bit is found by a trailing-zero count, and the 7-bit groups
/// are packed together in three mask-and-shift steps (pairs of bytes, then
/// pairs of 14-bit groups, then of 28-bit groups). Event steps above 16,383
/// are varints of 3 bytes or more; a loop of one branch per byte
/// mispredicts on their varying lengths.
package enum Varint {
    /// The varint at the start of `word` (8 bytes, the first in the low
    /// bits): its value and length in bytes, or nil when all 8 bytes carry a
    /// continuation bit (a varint of 9 or 10 bytes, or a malformed one),
    /// which the caller decodes byte by byte.
    @inline(__always)
    package static func decode(_ word: UInt64) -> (value: UInt64, length: Int)? {
        let stops = ~word & 0x8080_8080_8080_8080
        guard stops != 0 else { return nil }
        // The lowest stop bit is bit 8k + 7 of byte k: keep bytes 0 ... k.
        let length = (stops.trailingZeroBitCount &+ 1) >> 3
        var x = word & (stops ^ (stops &- 1))
        x = ((x & 0x7F00_7F00_7F00_7F00) >> 1) | (x & 0x007F_007F_007F_007F)
        x = ((x & 0x3FFF_0000_3FFF_0000) >> 2) | (x & 0x0000_3FFF_0000_3FFF)
        x = ((x & 0x0FFF_FFFF_0000_0000) >> 4) | (x & 0x0000_0000_0FFF_FFFF)
        return (x, length)
    }
}
