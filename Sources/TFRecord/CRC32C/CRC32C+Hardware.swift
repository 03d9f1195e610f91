import CTFEventsCRC

// The only file that calls the CRC instruction kernels of CTFEventsCRC.
extension CRC32C {
    @usableFromInline
    static func extendSSE42(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return unsafe tfe_crc32c_sse42(crc, base, bytes.count)
    }

    @usableFromInline
    static func extendARM64(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return unsafe tfe_crc32c_arm64(crc, base, bytes.count)
    }

    /// Merges two finished CRCs: the CRC of `a + b` from `crc(a)`, `crc(b)`
    /// and `b.count`. O(log n) multiplications, no access to the bytes.
    public static func combine(_ crcA: UInt32, _ crcB: UInt32, lengthB: Int) -> UInt32 {
        tfe_crc32c_multiply(crcA, tfe_crc32c_zeros_factor(UInt64(lengthB))) ^ crcB
    }
}
