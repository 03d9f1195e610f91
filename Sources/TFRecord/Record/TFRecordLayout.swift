/// The on-disk layout of one TFRecord (FORMAT §1.1, TensorFlow
/// `core/lib/io/record_writer.cc`):
///
///     offset   size  content
///     0        8     payload length N, UInt64 little-endian
///     8        4     masked CRC-32C of the 8 length bytes
///     12       N     payload (for event files, a serialized `Event`)
///     12 + N   4     masked CRC-32C of the payload
///
/// There is no file header, footer, alignment or padding: a TFRecord file is
/// records back to back.
public enum TFRecordLayout {
    /// Bytes of the length field.
    public static let lengthFieldLength = 8
    /// Offset of the length CRC inside the header.
    public static let lengthCRCOffset = 8
    /// Bytes before the payload: length and its CRC.
    public static let headerLength = 12
    /// Bytes after the payload: its CRC.
    public static let footerLength = 4
    /// Header plus footer: a record occupies `framingOverhead + N` bytes.
    public static let framingOverhead = 16

    /// Whether the 12 bytes at `header` form a header whose length CRC verifies.
    ///
    /// - Precondition: `header` holds at least ``headerLength`` bytes.
    static func headerVerifies(_ header: UnsafeRawPointer, backend: CRC32C.Backend) -> Bool {
        let stored = unsafe UInt32(littleEndian: header.loadUnaligned(fromByteOffset: lengthCRCOffset, as: UInt32.self))
        let crc = unsafe backend.extend(0, unsafeBytes: UnsafeRawBufferPointer(start: header, count: lengthFieldLength))
        return MaskedCRC(crc: crc).rawValue == stored
    }
}
