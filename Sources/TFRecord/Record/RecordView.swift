/// One verified record, borrowed from the reader's buffer.
///
/// A view does not copy its payload: it points into the file mapping or the
/// reader's window. It is valid only until the reader that produced it reads
/// again; copy with ``bytes`` what must outlive that.
public struct RecordView {
    /// Offset of the record's first header byte in the (uncompressed) stream.
    public let offset: Int
    package let payload: UnsafeRawBufferPointer

    init(offset: Int, payload: UnsafeRawBufferPointer) {
        self.offset = offset
        self.payload = payload
    }

    /// Payload length in bytes.
    public var payloadLength: Int { payload.count }

    /// Offset of the first byte after this record (its footer included).
    public var endOffset: Int { offset + TFRecordLayout.framingOverhead + payload.count }

    /// Offset of the payload's first byte in the stream.
    public var payloadOffset: Int { offset + TFRecordLayout.headerLength }

    /// Lends the payload bytes. The pointer must not escape the closure.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(payload)
    }

    /// A copy of the payload. Allocates.
    public var bytes: [UInt8] { Array(payload) }
}
