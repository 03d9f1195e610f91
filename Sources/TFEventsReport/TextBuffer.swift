/// Bytes of text appended through a pointer, one bounds check per row
/// rather than one growth and uniqueness check per field: the fenced place
/// of the scalar text output's unsafe code. Every write goes through
/// ``append(_:)-(UInt8)`` or ``append(_:)-(UnsafeRawBufferPointer)``, each
/// of which makes room first; the memory is owned by one ``Storage`` and
/// copied before a write when shared (a copied buffer keeps value
/// semantics, and so may cross threads as an `Array` does).
@safe
package struct TextBuffer: TextOutputStream, Sendable {
    /// The memory: `capacity` bytes at `base`, freed with the last owner.
    /// Its fields never change; the bytes are written only through a
    /// ``TextBuffer`` holding the one reference (``reserve(_:)`` copies a
    /// shared storage first), so sharing it between threads is safe.
    @safe final class Storage: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
        let capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            unsafe base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
        }

        deinit { unsafe base.deallocate() }
    }

    private var storage: Storage
    /// Bytes written.
    package private(set) var count = 0

    /// An empty buffer with room for `capacity` bytes.
    package init(capacity: Int) {
        storage = Storage(capacity: capacity)
    }

    /// Makes sure `extra` more bytes fit, unshared.
    @inline(__always)
    package mutating func reserve(_ extra: Int) {
        if count &+ extra > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            grow(to: count &+ extra)
        }
    }

    private mutating func grow(to needed: Int) {
        let next = Storage(capacity: max(needed, storage.capacity &* 2))
        unsafe next.base.copyMemory(from: storage.base, byteCount: count)
        storage = next
    }

    /// Appends one byte; room must have been made with ``reserve(_:)``.
    @inline(__always)
    package mutating func appendReserved(_ byte: UInt8) {
        precondition(count < storage.capacity, "TextBuffer: no room reserved")
        unsafe storage.base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    /// Appends one byte.
    @inline(__always)
    package mutating func append(_ byte: UInt8) {
        reserve(1)
        appendReserved(byte)
    }

    /// Appends `bytes`.
    @inline(__always)
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let length = bytes.count
        reserve(length)
        guard let source = bytes.baseAddress else { return }
        unsafe (storage.base + count).copyMemory(from: source, byteCount: length)
        count &+= length
    }

    /// Appends `bytes`.
    package mutating func append(_ bytes: [UInt8]) {
        unsafe bytes.withUnsafeBytes { unsafe append($0) }
    }

    /// Appends bytes `range` of `other`.
    ///
    /// - Precondition: `range` lies within `other`'s bytes.
    @inline(__always)
    package mutating func append(_ other: TextBuffer, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= other.count, "TextBuffer: range out of bounds")
        unsafe append(UnsafeRawBufferPointer(start: other.storage.base + range.lowerBound, count: range.count))
    }

    /// Appends all of `other`'s bytes.
    @inline(__always)
    package mutating func append(_ other: TextBuffer) {
        append(other, range: 0 ..< other.count)
    }

    /// Appends the decimal digits of `magnitude`, after a `-` when
    /// `negative`, as `Int64.description` writes them; with zeros in front
    /// up to `minimumDigits` digits (a fraction's digits after its point).
    package mutating func appendDecimal(_ magnitude: UInt64, negative: Bool, minimumDigits: Int = 1) {
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits &+= 1
        }
        digits = max(digits, minimumDigits)
        reserve(digits &+ 1)
        if negative { appendReserved(UInt8(ascii: "-")) }
        // count + digits <= capacity: reserved above.
        var position = count &+ digits
        rest = magnitude
        repeat {
            position &-= 1
            unsafe storage.base.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10),
                                           toByteOffset: position, as: UInt8.self)
            rest /= 10
        } while rest != 0
        // The zeros in front, up to minimumDigits (none by default).
        while position > count {
            position &-= 1
            unsafe storage.base.storeBytes(of: UInt8(ascii: "0"), toByteOffset: position, as: UInt8.self)
        }
        count &+= digits
    }

    /// Forgets the bytes, keeping the room.
    package mutating func removeAll() { count = 0 }

    /// Calls `body` with the bytes, valid only during the call.
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        unsafe body(UnsafeRawBufferPointer(start: storage.base, count: count))
    }

    /// The bytes, copied into `array` (emptied first, its room kept).
    package func copy(into array: inout [UInt8]) {
        array.removeAll(keepingCapacity: true)
        unsafe array.append(contentsOf: UnsafeRawBufferPointer(start: storage.base, count: count))
    }

    /// `TextOutputStream`: where `Double.write(to:)` puts its digits.
    package mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        unsafe append(UnsafeRawBufferPointer(buffer))
    }

    /// `TextOutputStream`: any other text.
    package mutating func write(_ string: String) {
        append(Array(string.utf8))
    }

    /// The bytes as an array.
    package var bytes: [UInt8] {
        var array: [UInt8] = []
        copy(into: &array)
        return array
    }
}
