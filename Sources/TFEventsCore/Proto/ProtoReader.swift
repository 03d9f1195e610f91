import TFRecord

/// A zero-copy cursor over protobuf wire bytes (the encoding of
/// <https://protobuf.dev/programming-guides/encoding/>).
///
/// The cursor borrows a `RawSpan` and is non-escapable, so it cannot outlive
/// the bytes. Inside, it is a pointer and an end pointer that move together;
/// every read checks the remaining length first, so malformed input throws
/// ``ProtoDecodingError`` with its offset and never reads outside the
/// buffer. Length-delimited fields come back as sub-spans of the input:
/// nothing is copied.
///
/// This is the fenced place of the decoding layer: the only type of
/// `TFEventsCore`, besides the short-form decoders built on
/// ``ShortForm`` and the tag arena, that touches raw pointers.
@safe
package struct ProtoReader: ~Escapable {
    /// Deepest group nesting ``skipField(_:)`` follows.
    package static let maxNestingDepth = 64

    /// The bytes being read.
    package let bytes: RawSpan
    /// The next unread byte: `start <= cursor <= end` at all times.
    @usableFromInline package var cursor: UnsafeRawPointer
    @usableFromInline package let end: UnsafeRawPointer
    @usableFromInline package let start: UnsafeRawPointer

    /// A cursor over `bytes`.
    @_lifetime(copy bytes)
    package init(_ bytes: RawSpan) {
        self.bytes = bytes
        // An empty span may have no base address; any valid pointer with a
        // zero length works, as nothing is ever read from it.
        let base = unsafe bytes.unsafeBaseAddress ?? UnsafeRawPointer(ProtoReader.emptyBase)
        unsafe start = base
        unsafe cursor = base
        // base + byteCount is the end of the span's memory.
        unsafe end = base + bytes.byteCount
    }

    private nonisolated(unsafe) static let emptyBase = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// Whether every byte was consumed.
    @inlinable
    package var isAtEnd: Bool { unsafe cursor >= end }

    /// Offset of the cursor from the start of the message.
    @inlinable
    package var offset: Int { unsafe cursor - start }

    /// Bytes left after the cursor.
    @inlinable
    package var remaining: Int { unsafe end - cursor }

    /// An error of `kind` at the cursor.
    package func error(_ kind: ProtoDecodingError.Kind) -> ProtoDecodingError {
        ProtoDecodingError(kind: kind, offset: offset)
    }

    /// The offset of `part` (a sub-span returned by this cursor) from the
    /// start of the message.
    package func offset(of part: RawSpan) -> Int {
        bytes.byteOffsets(of: part)?.lowerBound ?? 0
    }

    /// Moves the cursor `count` bytes on.
    ///
    /// - Precondition: `0 <= count <= remaining`.
    @inline(__always)
    package mutating func advance(by count: Int) {
        precondition(count >= 0 && count <= remaining, "advance past the end")
        unsafe cursor += count
    }

    // MARK: - Varints

    /// Reads a varint of up to 10 bytes.
    @inline(__always)
    package mutating func readVarint() throws(ProtoDecodingError) -> UInt64 {
        guard unsafe cursor < end else { throw error(.truncated) }
        // cursor < end: one byte is readable.
        let first = unsafe cursor.load(as: UInt8.self)
        if first < 0x80 {
            unsafe cursor += 1
            return UInt64(first)
        }
        return try readVarintSlow()
    }

    /// The varint at the cursor when it is longer than one byte.
    package mutating func readVarintSlow() throws(ProtoDecodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var p = unsafe cursor
        while true {
            guard unsafe p < end else { throw error(.truncated) }
            let byte = unsafe p.load(as: UInt8.self)
            unsafe p += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
            // A tenth byte carries bit 63; an eleventh can only be malformed.
            guard shift < 70 else { throw error(.malformedVarint) }
        }
        unsafe cursor = p
        return value
    }

    /// Reads a field key as its raw varint `(number << 3) | wireType`,
    /// unvalidated. Decoders switch on the raw value for the fields they know
    /// (a key like `0x0A` is field 1, length-delimited) and pass anything
    /// else to ``skipField(raw:)``, which validates it.
    @inline(__always)
    package mutating func readRawKey() throws(ProtoDecodingError) -> UInt64 {
        if unsafe cursor < end {
            let first = unsafe cursor.load(as: UInt8.self)
            if first < 0x80 {
                unsafe cursor += 1
                return UInt64(first)
            }
        }
        return try readVarint()
    }

    /// Skips the value of an unrecognised field given its raw key.
    package mutating func skipField(raw: UInt64) throws(ProtoDecodingError) {
        try skipField(try validatedKey(raw))
    }

    /// Reads a field key. Throws on wire types 6 and 7 and field number 0.
    package mutating func readKey() throws(ProtoDecodingError) -> FieldKey {
        let raw = try readRawKey()  // read first: validatedKey needs the new offset
        return try validatedKey(raw)
    }

    /// Checks a raw key just read; errors point at the key's first byte.
    private func validatedKey(_ raw: UInt64) throws(ProtoDecodingError) -> FieldKey {
        let wire = UInt8(truncatingIfNeeded: raw & 7)
        let number = raw >> 3
        guard let wireType = WireType(rawValue: wire), number != 0, number < (1 << 29) else {
            // The key occupied one byte per 7 bits of its value.
            let keyLength = max(1, (64 - raw.leadingZeroBitCount + 6) / 7)
            let kind: ProtoDecodingError.Kind = WireType(rawValue: wire) == nil ? .invalidWireType(wire) : .invalidFieldNumber
            throw ProtoDecodingError(kind: kind, offset: offset - keyLength)
        }
        return FieldKey(number: UInt32(truncatingIfNeeded: number), wireType: wireType)
    }

    // MARK: - Fixed-width

    /// Reads 4 little-endian bytes.
    @inline(__always)
    package mutating func readFixed32() throws(ProtoDecodingError) -> UInt32 {
        guard remaining >= 4 else { throw error(.truncated) }
        let value = unsafe UInt32(littleEndian: cursor.loadUnaligned(as: UInt32.self))
        unsafe cursor += 4
        return value
    }

    /// Reads 8 little-endian bytes.
    @inline(__always)
    package mutating func readFixed64() throws(ProtoDecodingError) -> UInt64 {
        guard remaining >= 8 else { throw error(.truncated) }
        let value = unsafe UInt64(littleEndian: cursor.loadUnaligned(as: UInt64.self))
        unsafe cursor += 8
        return value
    }

    // MARK: - Length-delimited

    /// Reads a length prefix and returns the bytes it covers, without copying.
    @inline(__always)
    @_lifetime(copy self)
    package mutating func readLengthDelimited() throws(ProtoDecodingError) -> RawSpan {
        let length = try readVarint()
        guard length <= UInt64(remaining) else { throw error(.lengthOutOfBounds(length)) }
        // length <= remaining, so it fits in Int and the slice stays in bounds.
        let count = Int(truncatingIfNeeded: length)
        let from = offset
        unsafe cursor += count
        return unsafe bytes.extracting(unchecked: from ..< from &+ count)  // count <= remaining: inside the span
    }

    // MARK: - Skipping

    /// Skips the value of a field whose key was just read.
    package mutating func skipField(_ key: FieldKey) throws(ProtoDecodingError) {
        switch key.wireType {
        case .varint: _ = try readVarint()
        case .fixed64:
            guard remaining >= 8 else { throw error(.truncated) }
            unsafe cursor += 8
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(remaining) else { throw error(.lengthOutOfBounds(length)) }
            unsafe cursor += Int(truncatingIfNeeded: length)
        case .fixed32:
            guard remaining >= 4 else { throw error(.truncated) }
            unsafe cursor += 4
        case .startGroup: try skipGroup(number: key.number, depth: 1)
        case .endGroup: throw error(.unmatchedEndGroup)
        }
    }

    /// Skips to the end-group key matching `number`, following nested groups.
    package mutating func skipGroup(number: UInt32, depth: Int) throws(ProtoDecodingError) {
        guard depth <= Self.maxNestingDepth else { throw error(.nestingTooDeep(limit: Self.maxNestingDepth)) }
        while true {
            guard !isAtEnd else { throw error(.truncated) }
            let key = try readKey()
            switch key.wireType {
            case .endGroup:
                guard key.number == number else { throw error(.unmatchedEndGroup) }
                return
            case .startGroup:
                try skipGroup(number: key.number, depth: depth + 1)
            default:
                try skipField(key)
            }
        }
    }
}

/// Reading a message laid out the way every writer lays it out, after one
/// bounds check, with a local offset instead of a cursor: the fast path of
/// the event and summary-value decoders (``EventView``,
/// ``SummaryValueView``). Each reader returns nil where the general
/// ``ProtoReader`` must take over (a length past the end, a long varint).
@safe
package struct ShortForm: ~Escapable {
    /// The bytes.
    package let bytes: RawSpan
    @usableFromInline let base: UnsafeRawPointer?
    /// The number of bytes.
    package let count: Int

    /// A reader of `bytes`.
    @_lifetime(copy bytes)
    @inline(__always)
    package init(_ bytes: RawSpan) {
        self.bytes = bytes
        unsafe base = bytes.unsafeBaseAddress
        count = bytes.byteCount
    }

    /// The byte at `offset`, or nil past the end.
    @inline(__always)
    package func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count, let base = unsafe base else { return nil }
        return unsafe base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The 4 little-endian bytes at `offset`, or nil when they run past the end.
    @inline(__always)
    package func fixed32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count &- 4, let base = unsafe base else { return nil }  // count >= 0: no wrap
        return unsafe UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// The 8 little-endian bytes at `offset`, or nil when they run past the end.
    @inline(__always)
    package func fixed64(at offset: Int) -> UInt64? {
        guard offset >= 0, offset <= count &- 8, let base = unsafe base else { return nil }  // count >= 0: no wrap
        return unsafe UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The 2 little-endian bytes at `offset`, or nil when they run past the end.
    @inline(__always)
    package func fixed16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= count &- 2, let base = unsafe base else { return nil }  // count >= 0: no wrap
        return unsafe UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The varint at `offset`: (value, offset after it), or nil when it runs
    /// past the end or past 10 bytes.
    @inline(__always)
    package func varint(at offset: Int) -> (UInt64, Int)? {
        guard offset >= 0, offset < count, let base = unsafe base else { return nil }
        let first = unsafe base.load(fromByteOffset: offset, as: UInt8.self)
        if first < 0x80 { return (UInt64(first), offset &+ 1) }  // offset < count
        var value = UInt64(first & 0x7F)
        var shift: UInt64 = 7
        var q = offset &+ 1  // offset < count
        // q < count and q < offset + 10 bound every load.
        while q < count && q < offset &+ 10 {  // offset < count <= Int.max - 10 in practice: a span in memory
            let byte = unsafe base.load(fromByteOffset: q, as: UInt8.self)
            value |= UInt64(byte & 0x7F) << shift
            q &+= 1  // q < count
            if byte < 0x80 { return (value, q) }
            shift += 7
        }
        return nil
    }

    /// The `length` bytes at `offset`, or nil when they run past the end.
    @inline(__always)
    @_lifetime(copy self)
    package func span(at offset: Int, length: Int) -> RawSpan? {
        guard offset >= 0, length >= 0, length <= count &- offset else { return nil }  // 0 <= offset, count
        return unsafe bytes.extracting(unchecked: offset ..< offset &+ length)  // length <= count - offset
    }
}

/// Where the parts of one `Summary.Value` in short form lie: offsets into
/// the bytes ``ShortForm/summaryValue(start:end:)`` parsed. Plain numbers,
/// so that the hot loop builds its spans once, at the end.
package struct ShortSummaryValue {
    /// The end of the parsed value: every range below lies before it.
    package let limit: Int
    /// The tag's bytes.
    package fileprivate(set) var tag: Range<Int>
    /// The value member's bytes (empty, at the value's start, when absent).
    package fileprivate(set) var member: Range<Int>
    /// The metadata's bytes (empty, at the value's start, when absent).
    package fileprivate(set) var metadata: Range<Int>
    /// The field number of the value member present, 0 for none.
    package var kind: UInt8 = 0
    /// The `simple_value` bits, when field 2 was present.
    package var simpleValueBits: UInt32 = 0
    /// Whether field 9 (metadata) was present.
    package var hasMetadata = false

    /// Only ``ShortForm/summaryValue(start:end:)`` makes these, so that the
    /// ranges are known to lie inside `0 ..< limit`.
    fileprivate init(limit: Int, tag: Range<Int>, member: Range<Int>, metadata: Range<Int>) {
        self.limit = limit
        self.tag = tag
        self.member = member
        self.metadata = metadata
    }
}

extension ShortForm {
    /// Parses `bytes[start ..< end]` as the body of a `Summary.Value` the way
    /// every writer lays it out: the tag first, then only known fields
    /// whose lengths fit in one byte. nil for anything else (the general
    /// decoder then takes over) or when `start ..< end` is not inside.
    @inline(__always)
    package func summaryValue(start: Int, end: Int) -> ShortSummaryValue? {
        guard start >= 0, end <= count, end &- start >= 2, let base = unsafe base else { return nil }  // 0 <= start <= end - 2
        // Every load below is at an offset checked to be below `end`.
        guard unsafe base.load(fromByteOffset: start, as: UInt8.self) == 0x0A else { return nil }
        let tagLength = Int(unsafe base.load(fromByteOffset: start &+ 1, as: UInt8.self))  // start + 1 < end
        let tagStart = start &+ 2  // <= end
        guard tagLength < 0x80, tagLength <= end &- tagStart else { return nil }  // tagStart <= end: no wrap
        var parts = ShortSummaryValue(limit: end, tag: tagStart ..< tagStart &+ tagLength, member: start ..< start,
                                      metadata: start ..< start)
        var p = tagStart &+ tagLength  // <= end
        while p < end {
            let key = unsafe base.load(fromByteOffset: p, as: UInt8.self)  // p < end
            if key == 0x15 {  // simple_value, fixed32
                guard end &- p >= 5 else { return nil }  // p < end: no wrap
                parts.simpleValueBits = unsafe UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p &+ 1, as: UInt32.self))
                parts.kind = 2
                p &+= 5  // p + 5 <= end
                continue
            }
            guard end &- p >= 2 else { return nil }  // p < end: no wrap
            let length = Int(unsafe base.load(fromByteOffset: p &+ 1, as: UInt8.self))  // p + 1 < end
            let fieldStart = p &+ 2  // <= end
            guard length < 0x80, length <= end &- fieldStart else { return nil }  // fieldStart <= end: no wrap
            switch key {
            case 0x1A, 0x22, 0x2A, 0x32, 0x42:  // 3 old histo, 4 image, 5 histo, 6 audio, 8 tensor
                parts.member = fieldStart ..< fieldStart &+ length
                parts.kind = key >> 3
            case 0x4A:  // 9 metadata
                parts.metadata = fieldStart ..< fieldStart &+ length
                parts.hasMetadata = true
            default:
                return nil
            }
            p = fieldStart &+ length  // <= end
        }
        return parts
    }

    /// The spans of `parts` (found by ``summaryValue(start:end:)`` in these
    /// bytes): one bounds check for all three.
    @inline(__always)
    @_lifetime(copy self)
    package func spans(of parts: ShortSummaryValue) -> (tag: RawSpan, member: RawSpan, metadata: RawSpan) {
        // Every range of `parts` lies in 0 ..< parts.limit (its initialiser
        // is private to the parser), and parts.limit <= count is checked here.
        precondition(parts.limit <= count, "short-form parts from other bytes")
        return unsafe (bytes.extracting(unchecked: parts.tag), bytes.extracting(unchecked: parts.member),
                       bytes.extracting(unchecked: parts.metadata))
    }
}
