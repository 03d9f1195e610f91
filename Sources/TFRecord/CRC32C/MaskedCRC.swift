/// A masked CRC-32C, as stored in TFRecord headers and footers.
///
/// TensorFlow (after LevelDB) never stores a raw CRC: computing the CRC of
/// data that itself embeds CRCs is error-prone, so stored values are rotated
/// right by 15 bits and offset by a constant (FORMAT §1.3,
/// `tensorflow/tsl/lib/hash/crc32c.h`).
public struct MaskedCRC: Hashable, Sendable, CustomStringConvertible {
    /// The masked value as it appears on disk (little-endian `UInt32`).
    public let rawValue: UInt32

    private static let delta: UInt32 = 0xA282_EAD8

    /// Wraps a value read from disk.
    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Masks a plain CRC-32C.
    @inlinable
    public init(crc: UInt32) {
        // The mask is defined modulo 2^32: wrapping is the definition.
        rawValue = ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// Masks the CRC-32C of `bytes`.
    @inlinable
    public static func compute(_ bytes: RawSpan) -> MaskedCRC {
        MaskedCRC(crc: CRC32C.checksum(bytes))
    }

    /// Masks the CRC-32C of `bytes`.
    public static func compute(_ bytes: [UInt8]) -> MaskedCRC {
        MaskedCRC(crc: CRC32C.checksum(bytes.rawSpan))
    }

    /// The plain CRC-32C this value masks.
    public var unmasked: UInt32 {
        let rotated = rawValue &- Self.delta  // modulo 2^32, the inverse of the mask
        return (rotated >> 17) | (rotated << 15)
    }

    /// Zero-padded hexadecimal, for error messages: `0x224b7fa3`.
    public var description: String { hex32(rawValue) }
}

/// Formats a 32-bit value as `0x` and eight lowercase hex digits.
func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
