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
        if unsafe end - cursor >= 8,
           let (value, length) = unsafe Varint.decode(UInt64(littleEndian: cursor.loadUnaligned(as: UInt64.self))) {
            unsafe cursor += length  // length <= 8 <= end - cursor
            return value
        }
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
        if count &- offset >= 8,  // offset < count: no wrap
           let (value, length) = unsafe Varint.decode(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset,
                                                                                               as: UInt64.self))) {
            return (value, offset &+ length)  // length <= 8 <= count - offset
        }
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

    /// The top level of an `Event` laid out as TensorFlow's writers lay out
    /// a step's event — `wall_time` (key `0x09`), `step` (`0x10`, a varint
    /// of at most 8 bytes), then one length-delimited member (fields 3 to 9)
    /// whose length (1 or 2 bytes) ends it exactly — read with one bounds
    /// check; nil for any other layout (the caller's general decoder reads
    /// those). The member is `bytes[memberStart...]`.
    @inline(__always)
    package func plainEvent() -> (wallTimeBits: UInt64, step: UInt64, key: UInt8, memberStart: Int)? {
        // 21 bytes: 9 (wall time) + 1 (step key) + 8 for the step's word;
        // every load below is below 21, or checked against `count`.
        guard count >= 21, let base = unsafe base,
              unsafe base.load(as: UInt8.self) == 0x09, unsafe base.load(fromByteOffset: 9, as: UInt8.self) == 0x10,
              let (step, stepLength) = unsafe Varint.decode(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 10, as: UInt64.self)))
        else { return nil }
        let keyAt = 10 &+ stepLength  // <= 18
        let key = unsafe base.load(fromByteOffset: keyAt, as: UInt8.self)
        guard key & 7 == 2, key >= 0x1A, key <= 0x4A else { return nil }
        let first = Int(unsafe base.load(fromByteOffset: keyAt &+ 1, as: UInt8.self))  // <= 19
        var length = first, memberStart = keyAt &+ 2
        if first >= 0x80 {
            let second = Int(unsafe base.load(fromByteOffset: keyAt &+ 2, as: UInt8.self))  // <= 20
            guard second < 0x80 else { return nil }
            length = (first & 0x7F) | (second << 7)
            memberStart &+= 1
        }
        guard length == count &- memberStart else { return nil }
        let wallTimeBits = unsafe UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
        return (wallTimeBits, step, key, memberStart)
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
/// the bytes that were parsed (``ShortForm/summaryValue(start:end:)``,
/// ``ProtoReader/readShortSummaryValue()``). Plain numbers, so that the hot
/// loop builds its spans once, at the end.
package struct ShortSummaryValue {
    /// The end of the parsed value: every offset below lies before it.
    package let limit: Int
    /// Where the tag's bytes start and end.
    package fileprivate(set) var tagStart: Int, tagEnd: Int
    /// The value member's bytes (empty, at the value's start, when absent).
    package fileprivate(set) var memberStart: Int, memberEnd: Int
    /// The metadata's bytes (empty, at the value's start, when absent).
    package fileprivate(set) var metadataStart: Int, metadataEnd: Int
    /// The field number of the value member present, 0 for none.
    package fileprivate(set) var kind: UInt8 = 0
    /// The `simple_value` bits, when field 2 was present.
    package fileprivate(set) var simpleValueBits: UInt32 = 0
    /// Whether field 9 (metadata) was present.
    package fileprivate(set) var hasMetadata = false

    /// Only the parsers of this file make these, so that every start <= end
    /// <= limit.
    fileprivate init(limit: Int, valueStart: Int, tagStart: Int, tagEnd: Int) {
        self.limit = limit
        self.tagStart = tagStart
        self.tagEnd = tagEnd
        memberStart = valueStart
        memberEnd = valueStart
        metadataStart = valueStart
        metadataEnd = valueStart
    }

    /// Parses the `count` bytes at `base` as the body of a `Summary.Value`
    /// the way every writer lays it out: the tag first, then only known
    /// fields whose lengths fit in one byte. Offsets are reported plus
    /// `origin`. nil for anything else: the general decoder takes over.
    @inline(__always)
    @unsafe
    fileprivate static func parse(_ base: UnsafeRawPointer, count: Int, origin: Int) -> ShortSummaryValue? {
        // Every load is at an offset checked to be below `count`.
        guard count >= 2, unsafe base.load(as: UInt8.self) == 0x0A else { return nil }
        let tagLength = Int(unsafe base.load(fromByteOffset: 1, as: UInt8.self))
        guard tagLength < 0x80, tagLength <= count &- 2 else { return nil }  // count >= 2: no wrap
        var parts = ShortSummaryValue(limit: origin &+ count, valueStart: origin, tagStart: origin &+ 2,
                                      tagEnd: origin &+ 2 &+ tagLength)  // origin + count: the end of bytes in memory
        var p = 2 &+ tagLength  // <= count
        while p < count {
            let key = unsafe base.load(fromByteOffset: p, as: UInt8.self)  // p < count
            if key == 0x15 {  // simple_value, fixed32
                guard count &- p >= 5 else { return nil }  // p < count: no wrap
                parts.simpleValueBits = unsafe UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p &+ 1, as: UInt32.self))
                parts.kind = 2
                p &+= 5  // p + 5 <= count
                continue
            }
            guard count &- p >= 2 else { return nil }  // p < count: no wrap
            let length = Int(unsafe base.load(fromByteOffset: p &+ 1, as: UInt8.self))  // p + 1 < count
            let fieldStart = p &+ 2  // <= count
            guard length < 0x80, length <= count &- fieldStart else { return nil }  // fieldStart <= count: no wrap
            switch key {
            case 0x1A, 0x22, 0x2A, 0x32, 0x42:  // 3 old histo, 4 image, 5 histo, 6 audio, 8 tensor
                parts.memberStart = origin &+ fieldStart
                parts.memberEnd = origin &+ fieldStart &+ length
                parts.kind = key >> 3
            case 0x4A:  // 9 metadata
                parts.metadataStart = origin &+ fieldStart
                parts.metadataEnd = origin &+ fieldStart &+ length
                parts.hasMetadata = true
            default:
                return nil
            }
            p = fieldStart &+ length  // <= count
        }
        return parts
    }
}

extension ShortForm {
    /// Parses `bytes[start ..< end]` as the body of a `Summary.Value` in short
    /// form (see ``ShortSummaryValue``); nil when it is not, or when
    /// `start ..< end` is not inside.
    @inline(__always)
    package func summaryValue(start: Int, end: Int) -> ShortSummaryValue? {
        guard start >= 0, start <= end, end <= count, let base = unsafe base else { return nil }
        return unsafe ShortSummaryValue.parse(base + start, count: end &- start, origin: start)  // inside: checked above
    }

    /// The spans of `parts` (parsed from these bytes): one bounds check for
    /// all three.
    @inline(__always)
    @_lifetime(copy self)
    package func spans(of parts: ShortSummaryValue) -> (tag: RawSpan, member: RawSpan, metadata: RawSpan) {
        ShortSummaryValue.spans(of: parts, in: bytes)
    }
}

extension ShortSummaryValue {
    /// The three spans of `parts` in `bytes`, after checking once that
    /// `parts.limit` (which bounds every offset) is inside.
    @inline(__always)
    @_lifetime(copy bytes)
    fileprivate static func spans(of parts: ShortSummaryValue, in bytes: RawSpan) -> (tag: RawSpan, member: RawSpan, metadata: RawSpan) {
        precondition(parts.limit <= bytes.byteCount, "short-form parts from other bytes")
        // A short form was parsed from these bytes: they are not empty.
        guard let base = unsafe bytes.unsafeBaseAddress else { preconditionFailure("short-form parts of empty bytes") }
        // Each start <= end <= limit <= byteCount: the spans lie inside
        // `bytes`, and live as long as it does.
        let tag = unsafe RawSpan(_unsafeStart: base + parts.tagStart, byteCount: parts.tagEnd &- parts.tagStart)
        let member = unsafe RawSpan(_unsafeStart: base + parts.memberStart, byteCount: parts.memberEnd &- parts.memberStart)
        let metadata = unsafe RawSpan(_unsafeStart: base + parts.metadataStart,
                                      byteCount: parts.metadataEnd &- parts.metadataStart)
        return unsafe (_overrideLifetime(tag, copying: bytes), _overrideLifetime(member, copying: bytes),
                       _overrideLifetime(metadata, copying: bytes))
    }
}

extension ProtoReader {
    /// Reads, at the cursor, a field 1 (`Summary.value`) whose value is in
    /// short form (``ShortSummaryValue``), and moves past it; nil, the
    /// cursor unmoved, for anything else.
    @inline(__always)
    package mutating func readShortSummaryValue() -> ShortSummaryValue? {
        let available = unsafe end - cursor
        guard available >= 2, unsafe cursor.load(as: UInt8.self) == 0x0A else { return nil }
        var length = Int(unsafe cursor.load(fromByteOffset: 1, as: UInt8.self))
        var body = 2
        if length >= 0x80 {  // a length of 2 or 3 bytes (values up to 2 MiB)
            length &= 0x7F
            var shift = 7
            while true {
                guard body < available, shift <= 14 else { return nil }
                let byte = unsafe cursor.load(fromByteOffset: body, as: UInt8.self)  // body < available
                length |= Int(byte & 0x7F) << shift
                body &+= 1  // < available
                if byte < 0x80 { break }
                shift &+= 7  // <= 21
            }
        }
        guard length <= available &- body else { return nil }  // body <= available
        let origin = offset &+ body  // inside the message
        guard let parts = unsafe ShortSummaryValue.parse(cursor + body, count: length, origin: origin) else { return nil }
        unsafe cursor += body &+ length  // body + length <= available
        return parts
    }

    /// The spans of `parts`, read by ``readShortSummaryValue()`` from these bytes.
    @inline(__always)
    @_lifetime(copy self)
    package func spans(of parts: ShortSummaryValue) -> (tag: RawSpan, member: RawSpan, metadata: RawSpan) {
        ShortSummaryValue.spans(of: parts, in: bytes)
    }
}

extension ProtoReader {
    /// Reads, from the cursor, `Summary.value` fields in the plainest shapes
    /// writers give a scalar, calling `body` with each tag's bytes, the
    /// value's float32 bits and whether it is a tensor; stops at the first
    /// other field, or after `limit` values, with the cursor on it. Returns
    /// how many values it read: each is exactly what
    /// ``readShortSummaryValue()`` and ``SummaryValueView/plainFloatTensor(_:)``
    /// make of it, found with fewer tests.
    ///
    /// The shapes, all lengths in one byte: key `0x0A`, the value's length,
    /// then its tag (field 1) and either TensorFlow 1's `simple_value`
    /// (field 2, fixed32) and nothing else, or — when `tensors` — TF2's
    /// float tensor (field 8: `dtype` DT_FLOAT, an empty shape, 4 bytes of
    /// `tensor_content`) followed by nothing or by metadata (field 9).
    @inline(__always)
    package mutating func skimPlainScalars(limit: Int, tensors: Bool, _ body: (RawSpan, UInt32, Bool) -> Void) -> Int {
        var n = 0
        var p = unsafe cursor
        // 9 bytes: the shortest such value (an empty tag), so the first
        // four bytes below are inside.
        while n < limit, (unsafe end - p) >= 9 {
            let head = unsafe UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))  // 4 <= end - p
            let length = Int((head >> 8) & 0xFF), tagLength = Int(head >> 24)
            // 0x0A length 0x0A tagLength, both lengths in one byte, the
            // value inside.
            guard head & 0x80FF_80FF == 0x000A_000A, length &+ 2 <= (unsafe end - p) else { break }
            let member = 4 &+ tagLength  // the field after the tag
            let bits: UInt32, isTensor: Bool
            // Simple value: length = 2 + tag + 5, so member + 5 = length + 2
            // <= end - p: both loads inside.
            if length == tagLength &+ 7, unsafe p.load(fromByteOffset: member, as: UInt8.self) == 0x15 {
                bits = unsafe UInt32(littleEndian: p.loadUnaligned(fromByteOffset: member &+ 1, as: UInt32.self))
                isTensor = false
            } else if tensors, member &+ 12 <= length &+ 2,
                      // member + 12 <= length + 2 <= end - p: the 8- and
                      // 4-byte loads are inside. Key 0x42, length 10,
                      // dtype 1, shape (empty), tensor_content of 4 bytes.
                      unsafe UInt64(littleEndian: p.loadUnaligned(fromByteOffset: member, as: UInt64.self))
                          == 0x0422_0012_0108_0A42 {
                let rest = length &+ 2 &- (member &+ 12)  // >= 0
                if rest != 0 {
                    // Metadata and nothing else: 0x4A, a one-byte length,
                    // its bytes to the value's end (loads at member + 12
                    // and + 13 < length + 2).
                    guard rest >= 2, unsafe p.load(fromByteOffset: member &+ 12, as: UInt8.self) == 0x4A else { break }
                    let metadataLength = Int(unsafe p.load(fromByteOffset: member &+ 13, as: UInt8.self))
                    guard metadataLength < 0x80, rest == 2 &+ metadataLength else { break }
                }
                bits = unsafe UInt32(littleEndian: p.loadUnaligned(fromByteOffset: member &+ 8, as: UInt32.self))
                isTensor = true
            } else {
                break
            }
            // The tag's bytes lie inside `bytes` (checked above) and live as long.
            let tag = unsafe RawSpan(_unsafeStart: p + 4, byteCount: tagLength)
            body(unsafe _overrideLifetime(tag, copying: bytes), bits, isTensor)
            unsafe p += length &+ 2  // <= end - p
            n &+= 1
        }
        unsafe cursor = p
        return n
    }
}
