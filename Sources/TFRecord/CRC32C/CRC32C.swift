/// CRC-32C (Castagnoli), the checksum that frames every TFRecord.
///
/// Parameters (FORMAT §1.2): reflected polynomial `0x82F63B78`, initial register
/// `0xFFFFFFFF`, final XOR `0xFFFFFFFF` — the "CRC-32/ISCSI" of RFC 3720.
///
/// `checksum(_:)` is `extend(0, _:)`. `extend` continues a finished CRC over
/// more bytes, so `extend(extend(0, a), b) == checksum(a + b)`.
public enum CRC32C {
    /// The CRC-32C of `bytes`.
    ///
    /// Uses the fastest backend this CPU supports (see ``Backend/active``).
    /// Does not allocate.
    @inlinable
    public static func checksum(_ bytes: RawSpan) -> UInt32 {
        extend(0, bytes)
    }

    /// Continues `crc` (a finished CRC-32C of earlier bytes) over `bytes`.
    @inlinable
    public static func extend(_ crc: UInt32, _ bytes: RawSpan) -> UInt32 {
        Backend.active.extend(crc, bytes)
    }

    /// The CRC-32C of the `bytes` a pointer lends (the record reader's and
    /// writers' form).
    @unsafe
    @inlinable
    package static func checksum(unsafeBytes bytes: UnsafeRawBufferPointer) -> UInt32 {
        unsafe Backend.active.extend(0, unsafeBytes: bytes)
    }

    /// The CRC-32C of a byte collection. Convenience for tests and small inputs.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let array = Array(bytes)
        return checksum(array.rawSpan)
    }
}
