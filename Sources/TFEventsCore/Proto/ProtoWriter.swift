/// An append-only protobuf wire-format encoder (FORMAT §3.1).
///
/// Bytes are appended to a reusable buffer: ``removeAll()`` keeps its
/// capacity, so encoding message after message into one writer does not
/// allocate once the buffer has grown to the largest message. Writes go
/// straight to memory (one capacity check per field, no per-byte array
/// bookkeeping), which is what lets the synthetic log generator write
/// hundreds of megabytes per second. ``span`` lends the result without
/// copying; ``bytes`` copies it into an array.
///
/// The writer is not copyable: it owns its buffer outright (freed when the
/// writer goes away), so no write ever has to check whether the buffer is
/// shared.
///
/// The writer knows nothing of schemas. It writes exactly the fields it is
/// told to, in the order it is told; proto3's "omit default values" rule is
/// the caller's business (see ``EventEncoder``), because TensorFlow's output
/// depends on field presence, not only on values (an empty `tensor_shape`
/// is present in TF2 scalars, absent in PyTorch's).
///
/// Nested messages are written in place with ``writeMessage(field:_:)``: a
/// one-byte length is reserved, the body is encoded after it, and the body
/// is moved right in the rare case (128 bytes or more) that its length needs
/// a longer varint. No scratch buffer is needed.
///
/// ```swift
/// var writer = ProtoWriter()
/// writer.writeString(field: 1, "loss")          // 0a 04 6c 6f 73 73
/// writer.writeFloat(field: 2, 0.25)            // 15 00 00 80 3e
/// ```
@safe
package struct ProtoWriter: ~Copyable, @unchecked Sendable {
    // @unchecked: the buffer is owned by exactly one writer (the type is
    // not copyable), so sending the writer sends the buffer.

    /// The buffer: `capacity` bytes, the first `count` written.
    private var base: UnsafeMutableRawPointer
    /// Bytes the buffer holds before it must grow.
    package private(set) var capacity: Int
    /// Number of bytes written.
    package private(set) var count = 0

    /// An empty writer whose buffer can hold `capacity` bytes without growing.
    package init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        unsafe base = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { unsafe base.deallocate() }

    /// A copy of the encoded bytes. Allocates; prefer ``span``.
    package var bytes: [UInt8] {
        unsafe Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Forgets the content, keeping the buffer's capacity. O(1).
    package mutating func removeAll() {
        count = 0
    }

    /// The encoded bytes, borrowed from the writer without copying.
    /// Lends ``span`` to `body`: the form to use where the value is a
    /// stored property of a class, which a span cannot borrow past one access.
    package func withSpan<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        try body(span)
    }

    package var span: RawSpan {
        @_lifetime(borrow self)
        get {
            let bytes = unsafe RawSpan(_unsafeStart: base, byteCount: count)
            return unsafe _overrideLifetime(bytes, borrowing: self)
        }
    }

    // MARK: - Raw space

    /// Makes room for `extra` more bytes and returns where they go.
    ///
    /// Every write goes through here: the one place that checks capacity.
    /// The pointer is valid until the next call.
    @inline(__always)
    private mutating func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        let needed = count &+ extra  // sizes of memory being written: far below Int.max
        if _slowPath(needed > capacity) { grow(toAtLeast: needed) }
        return unsafe base + count
    }

    /// Moves the content to a buffer of at least `needed` bytes, doubling
    /// the capacity as often as needed.
    private mutating func grow(toAtLeast needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity = newCapacity &* 2 }
        let replacement = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        unsafe replacement.copyMemory(from: base, byteCount: count)
        unsafe base.deallocate()
        unsafe base = unsafe replacement
        capacity = newCapacity
    }

    /// Appends bytes as they are: an already-serialized message body, say.
    package mutating func writeRawBytes(_ raw: RawSpan) {
        unsafe raw.withUnsafeBytes { unsafe writeRawBytes(unsafeBytes: $0) }
    }

    /// Appends the bytes a pointer lends.
    @unsafe
    private mutating func writeRawBytes(unsafeBytes raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        unsafe reserve(raw.count).copyMemory(from: source, byteCount: raw.count)
        count &+= raw.count  // reserve() made room
    }

    /// Appends bytes as they are.
    package mutating func writeRawBytes<Bytes: Sequence>(_ raw: Bytes) where Bytes.Element == UInt8 {
        let copied: Void? = raw.withContiguousStorageIfAvailable { unsafe writeRawBytes(unsafeBytes: UnsafeRawBufferPointer($0)) }
        if copied == nil {
            for byte in raw { writeByte(byte) }
        }
    }

    /// Appends one byte.
    @inline(__always)
    mutating func writeByte(_ byte: UInt8) {
        unsafe reserve(1).storeBytes(of: byte, as: UInt8.self)
        count &+= 1  // reserve() made room
    }

    /// Overwrites 4 already-written bytes at `offset` with `value`, little-endian.
    ///
    /// - Precondition: `offset + 4 <= count`.
    mutating func setFixed32(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset &+ 4 <= count, "setFixed32 outside the written bytes")  // offset >= 0 and count fits in memory
        unsafe base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    // MARK: - Varints

    /// The number of bytes `value` takes as a varint, 1 ... 10.
    package static func varintSize(_ value: UInt64) -> Int {
        // 1 + floor(bits / 7), where bits = index of the highest set bit.
        let bits = 64 &- (value | 1).leadingZeroBitCount  // 1 ... 64
        return (bits &+ 6) / 7  // bits <= 64
    }

    /// Appends `value` as a varint: 7 bits per byte, least significant
    /// group first, the high bit set on every byte but the last.
    package mutating func writeVarint(_ value: UInt64) {
        // A varint is at most 10 bytes: reserve that, then write in place.
        let p = unsafe reserve(10)
        var v = value
        var index = 0
        while v >= 0x80 {
            unsafe p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: index, as: UInt8.self)
            v >>= 7
            index &+= 1  // at most 10 bytes
        }
        unsafe p.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: index, as: UInt8.self)
        count &+= index &+ 1  // reserve() made room for 10
    }

    /// Appends a signed `int64`/`int32`/enum value. Negative values are the
    /// 64-bit two's complement and take 10 bytes (`-1` is `ff … ff 01`), as
    /// protobuf specifies for both `int64` and `int32`; no ZigZag.
    package mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(UInt64(bitPattern: value))
    }

    // MARK: - Keys

    /// Appends the key of field `field` with wire type `wireType`.
    ///
    /// - Precondition: `field` is in 1 ... 2^29 - 1.
    package mutating func writeKey(field: UInt32, wireType: WireType) {
        precondition(field >= 1 && field < 1 << 29, "protobuf field numbers are 1 ... 2^29 - 1")
        let key = UInt64(field) << 3 | UInt64(wireType.rawValue)
        if key < 0x80 {
            writeByte(UInt8(truncatingIfNeeded: key))
        } else {
            writeVarint(key)
        }
    }

    // MARK: - Fixed width

    /// Appends 4 bytes, little-endian (no key).
    package mutating func writeFixed32(_ value: UInt32) {
        unsafe reserve(4).storeBytes(of: value.littleEndian, as: UInt32.self)
        count &+= 4  // reserve() made room
    }

    /// Appends 8 bytes, little-endian (no key).
    package mutating func writeFixed64(_ value: UInt64) {
        unsafe reserve(8).storeBytes(of: value.littleEndian, as: UInt64.self)
        count &+= 8  // reserve() made room
    }

    // MARK: - Fields

    /// Appends a varint field (`int64`, `uint64`, `bool`, ...), whatever its value.
    package mutating func writeVarint(field: UInt32, _ value: UInt64) {
        writeKey(field: field, wireType: .varint)
        writeVarint(value)
    }

    /// Appends an `int64`, `int32` or enum field, whatever its value.
    /// Negative values take 10 bytes.
    package mutating func writeInt64(field: UInt32, _ value: Int64) {
        writeKey(field: field, wireType: .varint)
        writeSignedVarint(value)
    }

    /// Appends a `bool` field, whatever its value.
    package mutating func writeBool(field: UInt32, _ value: Bool) {
        writeKey(field: field, wireType: .varint)
        writeByte(value ? 1 : 0)
    }

    /// Appends a `float` field (wire type 5) with the value's exact bits.
    package mutating func writeFloat(field: UInt32, _ value: Float) {
        writeKey(field: field, wireType: .fixed32)
        writeFixed32(value.bitPattern)
    }

    /// Appends a `double` field (wire type 1) with the value's exact bits.
    package mutating func writeDouble(field: UInt32, _ value: Double) {
        writeKey(field: field, wireType: .fixed64)
        writeFixed64(value.bitPattern)
    }

    /// Appends a `fixed32`/`sfixed32` field.
    package mutating func writeFixed32(field: UInt32, _ value: UInt32) {
        writeKey(field: field, wireType: .fixed32)
        writeFixed32(value)
    }

    /// Appends a `fixed64`/`sfixed64` field.
    package mutating func writeFixed64(field: UInt32, _ value: UInt64) {
        writeKey(field: field, wireType: .fixed64)
        writeFixed64(value)
    }

    /// Appends a `bytes` field: key, varint length, the bytes.
    package mutating func writeBytes<Bytes: Collection>(field: UInt32, _ value: Bytes) where Bytes.Element == UInt8 {
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(value.count))
        writeRawBytes(value)
    }

    /// Appends a `string` field as its UTF-8 bytes. Does not allocate for
    /// native strings.
    package mutating func writeString(field: UInt32, _ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeKey(field: field, wireType: .lengthDelimited)
            writeVarint(UInt64(utf8.count))
            unsafe writeRawBytes(UnsafeRawBufferPointer(utf8))
        }
    }

    // MARK: - Nested messages

    /// Appends an embedded message field whose body `body` writes.
    ///
    /// The body is written in place after a reserved one-byte length; when
    /// it turns out to be 128 bytes or longer, it is moved right by the
    /// extra length bytes (one `memmove`).
    ///
    /// - Parameters:
    ///   - field: the field number.
    ///   - body: writes the message's fields into the same writer.
    package mutating func writeMessage(field: UInt32, _ body: (inout ProtoWriter) -> Void) {
        writeKey(field: field, wireType: .lengthDelimited)
        let lengthPosition = count
        writeByte(0)
        body(&self)
        patchLength(at: lengthPosition)
    }

    /// Replaces the one-byte placeholder at `position` with the varint length
    /// of everything written after it.
    mutating func patchLength(at position: Int) {
        let bodyStart = position &+ 1  // position < count
        let length = count &- bodyStart  // bodyStart <= count
        if length < 0x80 {
            unsafe base.storeBytes(of: UInt8(truncatingIfNeeded: length), toByteOffset: position, as: UInt8.self)
            return
        }
        let extra = Self.varintSize(UInt64(length)) &- 1  // varintSize >= 1
        _ = unsafe reserve(extra)
        // bodyStart + extra + length == count + extra <= capacity: the move
        // stays inside the buffer; the regions may overlap (memmove).
        unsafe (base + bodyStart + extra).copyMemory(from: base + bodyStart, byteCount: length)
        var v = UInt64(length)
        var p = position
        while v >= 0x80 {
            unsafe base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: p, as: UInt8.self)
            v >>= 7
            p &+= 1  // p < end of the written bytes
        }
        unsafe base.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: p, as: UInt8.self)
        count &+= extra  // grow() made room
    }

    // MARK: - Packed repeated fields

    /// Appends a packed `repeated float` field; nothing when `values` is empty
    /// (how proto3 serializers write an empty repeated field).
    package mutating func writePackedFloats<Values: Collection>(field: UInt32, _ values: Values)
        where Values.Element == Float {
        guard !values.isEmpty else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(values.count) * 4)
        for value in values { writeFixed32(value.bitPattern) }
    }

    /// Appends a packed `repeated double` field; nothing when `values` is empty.
    package mutating func writePackedDoubles<Values: Collection>(field: UInt32, _ values: Values)
        where Values.Element == Double {
        guard !values.isEmpty else { return }
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(values.count) * 8)
        for value in values { writeFixed64(value.bitPattern) }
    }

    /// Appends a packed `repeated int32`/`int64`/`uint*`/`bool`/enum field
    /// of varints (values given as their 64-bit patterns: sign-extend
    /// negative `int32`s first); nothing when `values` is empty.
    package mutating func writePackedVarints<Values: Collection>(field: UInt32, _ values: Values)
        where Values.Element == UInt64 {
        guard !values.isEmpty else { return }
        var length = 0
        for value in values { length &+= Self.varintSize(value) }  // at most 10 bytes per value held in memory
        writeKey(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(length))
        for value in values { writeVarint(value) }
    }
}
