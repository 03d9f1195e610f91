import CTFEventsCRC

// The only file that calls the CRC instruction kernels of CTFEventsCRC.
extension CRC32C {
    @usableFromInline
    static func extendSSE42(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return tfe_crc32c_sse42(crc, base, bytes.count)
    }

    @usableFromInline
    static func extendARM64(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return tfe_crc32c_arm64(crc, base, bytes.count)
    }

    /// Merges two finished CRCs: the CRC of `a + b` from `crc(a)`, `crc(b)`
    /// and `b.count`. O(log n) multiplications, no access to the bytes.
    public static func combine(_ crcA: UInt32, _ crcB: UInt32, lengthB: Int) -> UInt32 {
        tfe_crc32c_multiply(crcA, tfe_crc32c_zeros_factor(UInt64(lengthB))) ^ crcB
    }
}

extension CRC32C.Backend {
    /// The plain CRC-32Cs of a TFRecord's 8 length bytes and of its payload,
    /// in one call where the backend has one (SSE4.2).
    ///
    /// - Precondition: `record` holds `12 + payloadLength` readable bytes and
    ///   the backend is in ``available``.
    @inline(__always)
    func recordChecksums(_ record: UnsafeRawPointer, payloadLength: Int) -> (length: UInt32, payload: UInt32) {
        if self == .sse42 {
            let both = tfe_crc32c_sse42_record(record, payloadLength)
            return (UInt32(truncatingIfNeeded: both >> 32), UInt32(truncatingIfNeeded: both))
        }
        let length = extend(0, UnsafeRawBufferPointer(start: record, count: TFRecordLayout.lengthFieldLength))
        let payload = extend(0, UnsafeRawBufferPointer(start: record + TFRecordLayout.headerLength, count: payloadLength))
        return (length, payload)
    }
}
