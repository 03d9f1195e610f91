import TFRecord

/// Binary encoding of index blocks: varints, zig-zag deltas, strings and
/// byte-shuffled number columns, appended to a growable byte array.
///
/// Columns are stored the way compressors like them: monotonic integers as
/// deltas, doubles as the XOR with their predecessor, and 8-byte values
/// "shuffled" into byte planes (all first bytes, then all second bytes, ...)
/// so that zstd sees long runs of equal high bytes.
struct IndexEncoder {
    private(set) var bytes: [UInt8] = []
    /// Where each byte plane of the shuffled columns starts, and where the
    /// last plane of each ends: the places to start a new compressed block.
    private(set) var planeStarts: [Int] = []
    /// Wall times in microseconds, reused by ``wallTimes(_:)``.
    private var micros: [Int64] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Empties the buffer, keeping its capacity.
    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        planeStarts.removeAll(keepingCapacity: true)
    }

    /// Records the `planes` planes of `count` bytes starting at `start`.
    private mutating func notePlanes(from start: Int, planes: Int, count: Int) {
        for plane in 0 ... planes { planeStarts.append(start &+ plane &* count) }
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func int(_ value: Int) { varint(UInt64(bitPattern: Int64(value))) }

    mutating func signed(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))  // zig-zag
    }

    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func string(_ value: String) {
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func fixed32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func fixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func raw(_ data: [UInt8]) {
        varint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    /// Integers as zig-zag deltas from their predecessor.
    mutating func deltas(_ values: [Int64]) {
        varint(UInt64(values.count))
        ColumnCodec.appendDeltas(values, to: &bytes)
    }

    /// Integers as zig-zag deltas from their predecessor.
    mutating func deltas(_ values: [UInt32]) {
        varint(UInt64(values.count))
        ColumnCodec.appendDeltas(values, to: &bytes)
    }

    /// Integers as plain varints (numbers drawn from a small set, in no
    /// order: their deltas would be longer).
    mutating func varints(_ values: [UInt32]) {
        varint(UInt64(values.count))
        ColumnCodec.appendVarints(values, to: &bytes)
    }

    /// 64-bit patterns, XORed with their predecessor, as 8 byte planes.
    /// `pattern(i)` gives element i.
    mutating func xorShuffled(count: Int, _ pattern: (Int) -> UInt64) {
        varint(UInt64(count))
        let start = bytes.count
        ColumnCodec.appendXorShuffled(count: count, to: &bytes, pattern)
        notePlanes(from: start, planes: 8, count: count)
    }

    /// Wall times: in whole microseconds as delta planes when every one is
    /// a count of microseconds divided by 1e6 (TensorFlow's C++ writer
    /// makes them so: TF2, Keras), else as XOR-shuffled doubles. A mode
    /// byte (``WallTimeMode``) comes first.
    mutating func wallTimes(_ times: [Double]) {
        // Each time converted once, into a buffer kept between chunks.
        micros.removeAll(keepingCapacity: true)
        for time in times {
            guard let whole = Self.microseconds(time) else { break }
            micros.append(whole)
        }
        if micros.count == times.count {
            bytes.append(WallTimeMode.microseconds.rawValue)
            varint(UInt64(times.count))
            let start = bytes.count
            ColumnCodec.appendDeltaShuffled(count: micros.count, to: &bytes) { micros[$0] }
            notePlanes(from: start, planes: 8, count: times.count)
        } else {
            bytes.append(WallTimeMode.doubles.rawValue)
            xorShuffled(count: times.count) { times[$0].bitPattern }
        }
    }

    /// `time` in whole microseconds, when dividing them by 1e6 gives back
    /// its bits exactly; nil otherwise (-0.0 included).
    static func microseconds(_ time: Double) -> Int64? {
        guard time.isFinite, time.magnitude < 9.0e12 else { return nil }  // * 1e6 fits in Int64
        // Rounded half away from zero by truncating x ± 0.5 (no libm call);
        // the check below decides whatever the rounding gave.
        let scaled = time * 1e6
        let micros = Int64(scaled + (scaled < 0 ? -0.5 : 0.5))
        return (Double(micros) / 1e6).bitPattern == time.bitPattern ? micros : nil
    }

    /// 32-bit patterns as 4 byte planes. `pattern(i)` gives element i.
    mutating func shuffled32(count: Int, _ pattern: (Int) -> UInt32) {
        varint(UInt64(count))
        let start = bytes.count
        ColumnCodec.appendShuffled32(count: count, to: &bytes, pattern)
        notePlanes(from: start, planes: 4, count: count)
    }
}

/// Reads what ``IndexEncoder`` wrote. Every read is bounds-checked and
/// throws ``IndexDecodingError`` instead of trapping: an index file is input.
struct IndexDecoder {
    private let bytes: [UInt8]
    private(set) var position = 0
    /// Largest element count accepted for one column, so that a damaged
    /// count cannot make us allocate before we know the bytes exist.
    private var remaining: Int { bytes.count - position }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    private func fail() -> IndexDecodingError { IndexDecodingError(offset: position) }

    mutating func varint() throws(IndexDecodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count, shift < 64 else { throw fail() }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func int() throws(IndexDecodingError) -> Int { Int(Int64(bitPattern: try varint())) }

    mutating func signed() throws(IndexDecodingError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func bool() throws(IndexDecodingError) -> Bool {
        guard position < bytes.count else { throw fail() }
        position += 1
        return bytes[position - 1] != 0
    }

    /// A count of elements each taking at least `minimumBytes` bytes: never
    /// more than the bytes left could hold.
    mutating func count(minimumBytes: Int) throws(IndexDecodingError) -> Int {
        let value = try varint()
        guard value <= UInt64(remaining / max(minimumBytes, 1)) else { throw fail() }
        return Int(value)
    }

    mutating func string() throws(IndexDecodingError) -> String {
        let count = try self.count(minimumBytes: 1)
        defer { position += count }
        return String(decoding: bytes[position ..< position + count], as: UTF8.self)
    }

    mutating func fixed32() throws(IndexDecodingError) -> UInt32 {
        guard remaining >= 4 else { throw fail() }
        var value: UInt32 = 0
        for i in 0 ..< 4 { value |= UInt32(bytes[position + i]) << (8 * i) }
        position += 4
        return value
    }

    mutating func fixed64() throws(IndexDecodingError) -> UInt64 {
        guard remaining >= 8 else { throw fail() }
        var value: UInt64 = 0
        for i in 0 ..< 8 { value |= UInt64(bytes[position + i]) << (8 * i) }
        position += 8
        return value
    }

    mutating func raw() throws(IndexDecodingError) -> [UInt8] {
        let count = try self.count(minimumBytes: 1)
        defer { position += count }
        return Array(bytes[position ..< position + count])
    }

    mutating func deltas(as type: Int64.Type) throws(IndexDecodingError) -> [Int64] {
        let count = try self.count(minimumBytes: 1)
        guard let values = ColumnCodec.decodeDeltas(bytes, at: &position, count: count, as: type) else { throw fail() }
        return values
    }

    mutating func deltas(as type: UInt32.Type) throws(IndexDecodingError) -> [UInt32] {
        let count = try self.count(minimumBytes: 1)
        guard let values = ColumnCodec.decodeDeltas(bytes, at: &position, count: count, as: type) else { throw fail() }
        return values
    }

    /// A ``IndexEncoder/varints(_:)`` column.
    mutating func varints() throws(IndexDecodingError) -> [UInt32] {
        let count = try self.count(minimumBytes: 1)
        guard let values = ColumnCodec.decodeVarints(bytes, at: &position, count: count) else { throw fail() }
        return values
    }

    /// Steps over a ``deltas(as:)`` column without storing it; returns its count.
    mutating func skipDeltas() throws(IndexDecodingError) -> Int {
        let count = try self.count(minimumBytes: 1)
        guard ColumnCodec.skipVarints(bytes, at: &position, count: count) else { throw fail() }
        return count
    }

    /// Steps over an ``xorShuffled()`` column (8 bytes per element); returns its count.
    mutating func skipXorShuffled() throws(IndexDecodingError) -> Int {
        let count = try self.count(minimumBytes: 8)
        position += count * 8
        return count
    }

    mutating func xorShuffled() throws(IndexDecodingError) -> [UInt64] {
        let count = try self.count(minimumBytes: 8)
        guard let values = ColumnCodec.decodeXorShuffled(bytes, at: position, count: count) else { throw fail() }
        position += count * 8
        return values
    }

    /// An ``xorShuffled()`` column as doubles (their bit patterns).
    mutating func xorShuffledDoubles() throws(IndexDecodingError) -> [Double] {
        let count = try self.count(minimumBytes: 8)
        guard let values = ColumnCodec.decodeXorShuffledDoubles(bytes, at: position, count: count) else { throw fail() }
        position += count * 8
        return values
    }

    /// A ``IndexEncoder/wallTimes(_:)`` column.
    mutating func wallTimes() throws(IndexDecodingError) -> [Double] {
        let mode = try self.wallTimeMode()
        let count = try self.count(minimumBytes: 8)
        let times: [Double]?
        switch mode {
        case .doubles: times = ColumnCodec.decodeXorShuffledDoubles(bytes, at: position, count: count)
        case .microseconds: times = ColumnCodec.decodeDeltaShuffled(bytes, at: position, count: count, dividedBy: 1e6)
        }
        guard let times else { throw fail() }
        position += count * 8
        return times
    }

    /// Steps over a ``wallTimes()`` column; returns its count.
    mutating func skipWallTimes() throws(IndexDecodingError) -> Int {
        _ = try wallTimeMode()
        let count = try self.count(minimumBytes: 8)
        position += count * 8
        return count
    }

    private mutating func wallTimeMode() throws(IndexDecodingError) -> WallTimeMode {
        guard position < bytes.count, let mode = WallTimeMode(rawValue: bytes[position]) else { throw fail() }
        position += 1
        return mode
    }

    /// A ``shuffled32()`` column of float patterns as doubles.
    mutating func shuffled32FloatsAsDoubles() throws(IndexDecodingError) -> [Double] {
        let count = try self.count(minimumBytes: 4)
        guard let values = ColumnCodec.decodeShuffled32FloatsAsDoubles(bytes, at: position, count: count) else { throw fail() }
        position += count * 4
        return values
    }

    mutating func shuffled32() throws(IndexDecodingError) -> [UInt32] {
        let count = try self.count(minimumBytes: 4)
        guard let values = ColumnCodec.decodeShuffled32(bytes, at: position, count: count) else { throw fail() }
        position += count * 4
        return values
    }
}

/// How a chunk's wall times are stored.
enum WallTimeMode: UInt8 {
    /// XOR-shuffled double bit patterns.
    case doubles = 0
    /// Whole microseconds (each time is that count divided by 1e6), as
    /// delta planes.
    case microseconds = 1
}

/// An index block does not decode: the index file is damaged.
package struct IndexDecodingError: Error, Sendable {
    /// Byte offset inside the (decompressed) block.
    let offset: Int
}
