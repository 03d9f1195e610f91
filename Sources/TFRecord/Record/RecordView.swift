/// One verified record, borrowed from the reader's buffer.
///
/// A view does not copy its payload: ``payload`` points into the file
/// mapping or the reader's window. The view is non-escapable: it cannot be
/// stored, returned past the reader or used after the reader's next call,
/// and the compiler checks that (see ``RecordReader/next()``). Copy with
/// ``bytes`` what must outlive it.
public struct RecordView: ~Escapable {
    /// Offset of the record's first header byte in the (uncompressed) stream.
    public let offset: Int
    /// The payload bytes, borrowed.
    public let payload: RawSpan

    /// A view of `payload`, the record at stream offset `offset`.
    @_lifetime(copy payload)
    @inlinable
    package init(offset: Int, payload: RawSpan) {
        self.offset = offset
        self.payload = payload
    }

    /// Payload length in bytes.
    @inlinable
    public var payloadLength: Int { payload.byteCount }

    /// Offset of the first byte after this record (its footer included).
    // offset + 16 + length cannot wrap: all three describe bytes in memory.
    public var endOffset: Int { offset &+ TFRecordLayout.framingOverhead &+ payload.byteCount }

    /// Offset of the payload's first byte in the stream.
    public var payloadOffset: Int { offset &+ TFRecordLayout.headerLength }

    /// A copy of the payload. Allocates.
    public var bytes: [UInt8] { payload.copiedBytes }
}

