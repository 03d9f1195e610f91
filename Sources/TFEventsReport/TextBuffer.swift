/// Bytes of text appended through a pointer, one bounds check per row
/// rather than one growth and uniqueness check per field: the fenced place
/// of the scalar text output's unsafe code. The `append` methods make room
/// first; the memory is owned by one ``Storage`` and copied before a write
/// when shared (a copied buffer keeps value semantics, and so may cross
/// threads as an `Array` does). The `appendReserved` methods write into
/// room an earlier ``reserve(_:)`` made (and unshared): each checks that
/// its bytes fit, and, in debug builds, that no copy of the buffer was
/// made since (its writes would show in the copy).
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

    /// Bytes that fit before the buffer must grow.
    package var capacity: Int { storage.capacity }

    /// Makes sure `extra` more bytes fit, unshared.
    @inline(__always)
    package mutating func reserve(_ extra: Int) {
        if count &+ extra > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            grow(to: count &+ extra)
        }
    }

    /// A storage of its own with room for `needed` bytes: twice the room
    /// when growing, the same room when only unsharing (a buffer shared
    /// once per use must not double each time).
    private mutating func grow(to needed: Int) {
        let next = Storage(capacity: needed > storage.capacity ? max(needed, storage.capacity &* 2) : storage.capacity)
        unsafe next.base.copyMemory(from: storage.base, byteCount: count)
        storage = next
    }

    /// Appends one byte; room must have been made with ``reserve(_:)``.
    @inline(__always)
    package mutating func appendReserved(_ byte: UInt8) {
        precondition(count < storage.capacity, "TextBuffer: no room reserved")
        assert(isKnownUniquelyReferenced(&storage), "TextBuffer: copied since reserve")
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
        reserve(range.count)
        appendReserved(other, range: range)
    }

    /// Appends bytes `range` of `other` into room made with ``reserve(_:)``
    /// (one check of room and ownership for several fields of a row).
    ///
    /// - Precondition: `range` lies within `other`'s bytes.
    @inline(__always)
    package mutating func appendReserved(_ other: TextBuffer, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= other.count, "TextBuffer: range out of bounds")
        precondition(count &+ range.count <= storage.capacity, "TextBuffer: no room reserved")
        assert(isKnownUniquelyReferenced(&storage), "TextBuffer: copied since reserve")
        unsafe (storage.base + count).copyMemory(from: other.storage.base + range.lowerBound, byteCount: range.count)
        count &+= range.count
    }

    /// Appends all of `other`'s bytes.
    @inline(__always)
    package mutating func append(_ other: TextBuffer) {
        append(other, range: 0 ..< other.count)
    }

    /// Appends the decimal digits of `magnitude`, after a `-` when
    /// `negative`, as `Int64.description` writes them.
    package mutating func appendDecimal(_ magnitude: UInt64, negative: Bool) {
        let digits = Self.decimalDigitCount(magnitude)
        reserve(digits &+ 2)
        if negative { appendReserved(UInt8(ascii: "-")) }
        appendReservedDigits(magnitude, digitCount: digits)
    }

    /// 10^0 through 10^19.
    static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ]

    /// The number of decimal digits of `value` (1 for 0): a guess from its
    /// bit length (log10(2) is about 1233 / 4096), corrected by one
    /// comparison. Setting the lowest bit makes 0 count as 1 and changes no
    /// other count (a power of ten is even, one less than it odd).
    @inline(__always)
    static func decimalDigitCount(_ value: UInt64) -> Int {
        let value = value | 1
        let guess = ((64 &- value.leadingZeroBitCount) &* 1233) >> 12
        return guess &+ (value >= powersOfTen[guess] ? 1 : 0)
    }

    /// "00" through "99": the digit pair `n` as one little-endian UInt16,
    /// its tens first.
    private static let digitPairs: [UInt16] = [
        0x3030, 0x3130, 0x3230, 0x3330, 0x3430, 0x3530, 0x3630, 0x3730, 0x3830, 0x3930,
        0x3031, 0x3131, 0x3231, 0x3331, 0x3431, 0x3531, 0x3631, 0x3731, 0x3831, 0x3931,
        0x3032, 0x3132, 0x3232, 0x3332, 0x3432, 0x3532, 0x3632, 0x3732, 0x3832, 0x3932,
        0x3033, 0x3133, 0x3233, 0x3333, 0x3433, 0x3533, 0x3633, 0x3733, 0x3833, 0x3933,
        0x3034, 0x3134, 0x3234, 0x3334, 0x3434, 0x3534, 0x3634, 0x3734, 0x3834, 0x3934,
        0x3035, 0x3135, 0x3235, 0x3335, 0x3435, 0x3535, 0x3635, 0x3735, 0x3835, 0x3935,
        0x3036, 0x3136, 0x3236, 0x3336, 0x3436, 0x3536, 0x3636, 0x3736, 0x3836, 0x3936,
        0x3037, 0x3137, 0x3237, 0x3337, 0x3437, 0x3537, 0x3637, 0x3737, 0x3837, 0x3937,
        0x3038, 0x3138, 0x3238, 0x3338, 0x3438, 0x3538, 0x3638, 0x3738, 0x3838, 0x3938,
        0x3039, 0x3139, 0x3239, 0x3339, 0x3439, 0x3539, 0x3639, 0x3739, 0x3839, 0x3939,
    ]

    /// Appends the `digitCount` lowest decimal digits of `value` (zeros in
    /// front when it has fewer), with a `.` after the first `pointAfter`
    /// of them when `0 < pointAfter < digitCount`.
    ///
    /// - Precondition: `1 <= digitCount <= 20`.
    @inline(__always)
    package mutating func appendDigits(_ value: UInt64, digitCount: Int, pointAfter: Int) {
        reserve(digitCount &+ 1)
        appendReservedDigits(value, digitCount: digitCount, pointAfter: pointAfter)
    }

    /// ``appendDigits(_:digitCount:pointAfter:)`` into room made with
    /// ``reserve(_:)`` for at least `digitCount + 1` bytes.
    package mutating func appendReservedDigits(_ value: UInt64, digitCount: Int, pointAfter: Int) {
        precondition(digitCount >= 1 && digitCount <= 20, "TextBuffer: digit count out of range")
        precondition(count &+ digitCount &+ 1 <= storage.capacity, "TextBuffer: no room reserved")
        assert(isKnownUniquelyReferenced(&storage), "TextBuffer: copied since reserve")
        let point = pointAfter > 0 && pointAfter < digitCount
        // The digits go one byte further when a point comes in; then the
        // digits before the point move one byte to the left and the point
        // takes their place. Every store lands in count ..< count +
        // digitCount + 1: checked above.
        storeDigits(value, at: count &+ (point ? 1 : 0), digitCount: digitCount)
        if point {
            for index in count ..< count &+ pointAfter {
                unsafe storage.base.storeBytes(of: storage.base.load(fromByteOffset: index &+ 1, as: UInt8.self),
                                               toByteOffset: index, as: UInt8.self)
            }
            unsafe storage.base.storeBytes(of: UInt8(ascii: "."), toByteOffset: count &+ pointAfter, as: UInt8.self)
        }
        count &+= digitCount &+ (point ? 1 : 0)
    }

    /// ``appendReservedDigits(_:digitCount:pointAfter:)`` without a point,
    /// compiled into its caller: the digits of a value, where a call with
    /// the point's logic cost a fifth of the digits' instructions.
    @inline(__always)
    package mutating func appendReservedDigits(_ value: UInt64, digitCount: Int) {
        precondition(digitCount >= 1 && digitCount <= 20, "TextBuffer: digit count out of range")
        precondition(count &+ digitCount <= storage.capacity, "TextBuffer: no room reserved")
        assert(isKnownUniquelyReferenced(&storage), "TextBuffer: copied since reserve")
        storeDigits(value, at: count, digitCount: digitCount)  // count ..< count + digitCount: checked above
        count &+= digitCount
    }

    /// Stores the `digitCount` lowest decimal digits of `value` (zeros in
    /// front when it has fewer) at `start ..< start + digitCount`, right to
    /// left, two at a time.
    ///
    /// - Precondition: those bytes lie in the storage (callers check).
    @inline(__always)
    private func storeDigits(_ value: UInt64, at start: Int, digitCount: Int) {
        var position = start &+ digitCount
        var rest = value
        unsafe Self.digitPairs.withUnsafeBufferPointer { pairs in
            // Eight digits at a time as four pairs that do not wait on each
            // other (one division chain of two steps, not four).
            while position &- start >= 8 {
                let eight = Int(truncatingIfNeeded: rest % 100_000_000)
                rest /= 100_000_000
                let high = eight / 10_000, low = eight % 10_000
                position &-= 8
                unsafe storage.base.storeBytes(of: pairs[high / 100], toByteOffset: position, as: UInt16.self)
                unsafe storage.base.storeBytes(of: pairs[high % 100], toByteOffset: position &+ 2, as: UInt16.self)
                unsafe storage.base.storeBytes(of: pairs[low / 100], toByteOffset: position &+ 4, as: UInt16.self)
                unsafe storage.base.storeBytes(of: pairs[low % 100], toByteOffset: position &+ 6, as: UInt16.self)
            }
            while position &- start >= 2 {
                position &-= 2
                unsafe storage.base.storeBytes(of: pairs[Int(truncatingIfNeeded: rest % 100)], toByteOffset: position,
                                               as: UInt16.self)
                rest /= 100
            }
        }
        if position > start {
            unsafe storage.base.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10),
                                           toByteOffset: start, as: UInt8.self)
        }
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
