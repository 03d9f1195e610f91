/// A zero-copy cursor over protobuf wire bytes (SPEC C.1).
///
/// The cursor is a pointer and an end pointer that move together; every read
/// checks the remaining length first, so malformed input throws
/// ``ProtoDecodingError`` with its offset and never reads outside the
/// buffer. Length-delimited fields come back as sub-buffers of the input:
/// nothing is copied.
///
/// This is one of the few types that hold raw pointers; it is internal and
/// its buffers are borrowed from a record for the duration of a decode.
package struct ProtoReader {
    /// Deepest group nesting ``skipField(_:)`` follows.
    package static let maxNestingDepth = 64

    package var cursor: UnsafeRawPointer
    package let end: UnsafeRawPointer
    package let start: UnsafeRawPointer

    /// A cursor over `bytes`.
    package init(_ bytes: UnsafeRawBufferPointer) {
        // An empty buffer may have no base address; any valid pointer with a
        // zero length works, as nothing is ever read from it.
        let base = bytes.baseAddress ?? UnsafeRawPointer(ProtoReader.emptyBase)
        start = base
        cursor = base
        end = base + bytes.count
    }

    nonisolated(unsafe) static let emptyBase = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// Whether every byte was consumed.
    package var isAtEnd: Bool { cursor >= end }

    /// Offset of the cursor from the start of the message.
    package var offset: Int { cursor - start }

    package var remaining: Int { end - cursor }

    package func error(_ kind: ProtoDecodingError.Kind) -> ProtoDecodingError {
        ProtoDecodingError(kind: kind, offset: offset)
    }

    // MARK: - Varints

    /// Reads a varint of up to 10 bytes.
    @inline(__always)
    package mutating func readVarint() throws(ProtoDecodingError) -> UInt64 {
        guard cursor < end else { throw error(.truncated) }
        let first = cursor.load(as: UInt8.self)
        if first < 0x80 {
            cursor += 1
            return UInt64(first)
        }
        return try readVarintSlow()
    }

    package mutating func readVarintSlow() throws(ProtoDecodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var p = cursor
        while true {
            guard p < end else { throw error(.truncated) }
            let byte = p.load(as: UInt8.self)
            p += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
            // A tenth byte carries bit 63; an eleventh can only be malformed.
            guard shift < 70 else { throw error(.malformedVarint) }
        }
        cursor = p
        return value
    }

    /// Reads a field key as its raw varint `(number << 3) | wireType`,
    /// unvalidated. Decoders switch on the raw value for the fields they know
    /// (a key like `0x0A` is field 1, length-delimited) and pass anything
    /// else to ``skipField(raw:)``, which validates it.
    @inline(__always)
    package mutating func readRawKey() throws(ProtoDecodingError) -> UInt64 {
        if cursor < end {
            let first = cursor.load(as: UInt8.self)
            if first < 0x80 {
                cursor += 1
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
        let value = UInt32(littleEndian: cursor.loadUnaligned(as: UInt32.self))
        cursor += 4
        return value
    }

    /// Reads 8 little-endian bytes.
    @inline(__always)
    package mutating func readFixed64() throws(ProtoDecodingError) -> UInt64 {
        guard remaining >= 8 else { throw error(.truncated) }
        let value = UInt64(littleEndian: cursor.loadUnaligned(as: UInt64.self))
        cursor += 8
        return value
    }

    // MARK: - Length-delimited

    /// Reads a length prefix and returns the bytes it covers, without copying.
    @inline(__always)
    package mutating func readLengthDelimited() throws(ProtoDecodingError) -> UnsafeRawBufferPointer {
        let length = try readVarint()
        guard length <= UInt64(remaining) else { throw error(.lengthOutOfBounds(length)) }
        // length <= remaining, so it fits in Int and the slice stays in bounds.
        let count = Int(truncatingIfNeeded: length)
        let slice = UnsafeRawBufferPointer(start: cursor, count: count)
        cursor += count
        return slice
    }

    // MARK: - Skipping

    /// Skips the value of a field whose key was just read.
    package mutating func skipField(_ key: FieldKey) throws(ProtoDecodingError) {
        switch key.wireType {
        case .varint: _ = try readVarint()
        case .fixed64:
            guard remaining >= 8 else { throw error(.truncated) }
            cursor += 8
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32:
            guard remaining >= 4 else { throw error(.truncated) }
            cursor += 4
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

extension UnsafeRawBufferPointer {
    /// The bytes as a `String` (UTF-8, invalid sequences replaced). Allocates
    /// only when longer than Swift's small-string limit (15 bytes).
    package var utf8String: String { String(decoding: self, as: UTF8.self) }
}
