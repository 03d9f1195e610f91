/// The few things the layers above do with borrowed bytes, so that they
/// never need a pointer for them.
extension RawSpan {
    /// A copy of the bytes. Allocates once.
    package var copiedBytes: [UInt8] {
        unsafe withUnsafeBytes { unsafe Array($0) }
    }

    /// The bytes as UTF-8 text (invalid sequences replaced). Allocates only
    /// past Swift's small-string limit (15 bytes).
    package var utf8String: String {
        unsafe withUnsafeBytes { unsafe String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the bytes equal `other`'s.
    package func bytesEqual(_ other: RawSpan) -> Bool {
        guard byteCount == other.byteCount else { return false }
        return unsafe withUnsafeBytes { a in unsafe other.withUnsafeBytes { b in unsafe a.elementsEqual(b) } }
    }

    /// Whether the bytes are the UTF-8 of `text`.
    package func bytesEqual(utf8 text: String) -> Bool {
        var text = text
        text.makeContiguousUTF8()
        return unsafe bytesEqual(text.utf8.span.bytes)
    }

    /// Appends the bytes to `array`.
    package func append(to array: inout [UInt8]) {
        unsafe withUnsafeBytes { unsafe array.append(contentsOf: $0) }
    }

    /// The address of the first byte (nil when empty), for the fenced
    /// decoders that read through a pointer after one bounds check.
    ///
    /// The pointer is valid only as long as the span.
    @unsafe
    @inlinable
    package var unsafeBaseAddress: UnsafeRawPointer? {
        unsafe withUnsafeBytes { $0.baseAddress }
    }
}

extension Array where Element == UInt8 {
    /// The array's bytes as a `RawSpan`, borrowed.
    ///
    /// `Span.bytes` is marked unsafe because an element type may have
    /// padding; bytes have none, so this view is safe.
    package var rawSpan: RawSpan {
        @_lifetime(borrow self)
        get { unsafe span.bytes }
    }
}
