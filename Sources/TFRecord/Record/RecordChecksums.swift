import CTFEventsCRC

extension CRC32C.Backend {
    /// The plain CRC-32Cs of a TFRecord's 8 length bytes and of its payload,
    /// in one call where the backend has one (SSE4.2).
    ///
    /// - Precondition: `record` holds `12 + payloadLength` readable bytes and
    ///   the backend is in ``available``.
    @inline(__always)
    func recordChecksums(_ record: UnsafeRawPointer, payloadLength: Int) -> (length: UInt32, payload: UInt32) {
        if self == .sse42 {
            let both = unsafe tfe_crc32c_sse42_record(record, payloadLength)
            return (UInt32(truncatingIfNeeded: both >> 32), UInt32(truncatingIfNeeded: both))
        }
        let length = unsafe extend(0, unsafeBytes: UnsafeRawBufferPointer(start: record, count: TFRecordLayout.lengthFieldLength))
        let payload = unsafe extend(0, unsafeBytes: UnsafeRawBufferPointer(start: record + TFRecordLayout.headerLength, count: payloadLength))
        return (length, payload)
    }
}
