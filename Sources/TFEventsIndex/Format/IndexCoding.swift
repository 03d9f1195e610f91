/// Binary encoding of index blocks: varints, zig-zag deltas, strings and
/// byte-shuffled number columns, appended to a growable byte array.
///
/// Columns are stored the way compressors like them: monotonic integers as
/// deltas, doubles as the XOR with their predecessor, and 8-byte values
/// "shuffled" into byte planes (all first bytes, then all second bytes, ...)
/// so that zstd sees long runs of equal high bytes.
struct IndexEncoder {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Empties the buffer, keeping its capacity.
    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

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
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func fixed32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ data: [UInt8]) {
        varint(UInt64(data.count))
        bytes.append(contentsOf: data)
    }

    /// Integers as zig-zag deltas from their predecessor.
    mutating func deltas<T: FixedWidthInteger>(_ values: [T]) {
        varint(UInt64(values.count))
        let start = bytes.count
        // Room for the longest encoding; trimmed below. Capacity is reused
        // between chunks, so this touches no fresh memory.
        bytes.append(contentsOf: repeatElement(0, count: values.count * 10))
        let end = bytes.withUnsafeMutableBufferPointer { out -> Int in
            values.withUnsafeBufferPointer { input -> Int in
                var p = start
                var previous: Int64 = 0
                for value in input {
                    let current = Int64(truncatingIfNeeded: value)
                    let delta = current &- previous
                    previous = current
                    var zigzag = UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
                    while zigzag >= 0x80 {
                        out[p] = UInt8(truncatingIfNeeded: zigzag) | 0x80
                        zigzag >>= 7
                        p += 1
                    }
                    out[p] = UInt8(zigzag)
                    p += 1
                }
                return p
            }
        }
        bytes.removeSubrange(end...)
    }

    /// 64-bit patterns, XORed with their predecessor, as 8 byte planes.
    /// `pattern(i)` gives element i.
    mutating func xorShuffled(count: Int, _ pattern: (Int) -> UInt64) {
        varint(UInt64(count))
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count * 8))
        bytes.withUnsafeMutableBufferPointer { out in
            var previous: UInt64 = 0
            for i in 0 ..< count {
                let value = pattern(i)
                let x = value ^ previous
                previous = value
                for plane in 0 ..< 8 {
                    out[start + plane * count + i] = UInt8(truncatingIfNeeded: x >> (8 * plane))
                }
            }
        }
    }

    /// 32-bit patterns as 4 byte planes. `pattern(i)` gives element i.
    mutating func shuffled32(count: Int, _ pattern: (Int) -> UInt32) {
        varint(UInt64(count))
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count * 4))
        bytes.withUnsafeMutableBufferPointer { out in
            for i in 0 ..< count {
                let value = pattern(i)
                for plane in 0 ..< 4 {
                    out[start + plane * count + i] = UInt8(truncatingIfNeeded: value >> (8 * plane))
                }
            }
        }
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

    mutating func deltas<T: FixedWidthInteger>(as type: T.Type) throws(IndexDecodingError) -> [T] {
        let count = try self.count(minimumBytes: 1)
        var result: [T] = []
        result.reserveCapacity(count)
        // The varint loop inlined, with a one-byte fast path: most deltas
        // (steps, event and tag ids) fit in 7 bits, and this loop decodes
        // every point of every chunk a query reads.
        var at = position
        var previous: Int64 = 0
        let complete = bytes.withUnsafeBufferPointer { input -> Bool in
            for _ in 0 ..< count {
                guard at < input.count else { return false }
                var byte = input[at]
                at += 1
                var raw = UInt64(byte & 0x7F)
                if byte >= 0x80 {
                    var shift: UInt64 = 7
                    repeat {
                        guard at < input.count, shift < 64 else { return false }
                        byte = input[at]
                        at += 1
                        raw |= UInt64(byte & 0x7F) << shift
                        shift += 7
                    } while byte >= 0x80
                }
                previous = previous &+ (Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
                result.append(T(truncatingIfNeeded: previous))
            }
            return true
        }
        position = at
        guard complete else { throw fail() }
        return result
    }

    /// Steps over a ``deltas(as:)`` column without storing it; returns its count.
    mutating func skipDeltas() throws(IndexDecodingError) -> Int {
        let count = try self.count(minimumBytes: 1)
        var at = position
        let complete = bytes.withUnsafeBufferPointer { input -> Bool in
            var left = count
            while left > 0 {
                guard at < input.count else { return false }
                if input[at] < 0x80 { left -= 1 }  // the last byte of a varint
                at += 1
            }
            return true
        }
        position = at
        guard complete else { throw fail() }
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
        var result = [UInt64](repeating: 0, count: count)
        let start = position
        bytes.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { out in
                for plane in 0 ..< 8 {
                    let base = start + plane * count
                    for i in 0 ..< count { out[i] |= UInt64(input[base + i]) << (8 * plane) }
                }
                var previous: UInt64 = 0
                for i in 0 ..< count {
                    previous ^= out[i]
                    out[i] = previous
                }
            }
        }
        position += count * 8
        return result
    }

    mutating func shuffled32() throws(IndexDecodingError) -> [UInt32] {
        let count = try self.count(minimumBytes: 4)
        var result = [UInt32](repeating: 0, count: count)
        let start = position
        bytes.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { out in
                for plane in 0 ..< 4 {
                    let base = start + plane * count
                    for i in 0 ..< count { out[i] |= UInt32(input[base + i]) << (8 * plane) }
                }
            }
        }
        position += count * 4
        return result
    }
}

/// An index block does not decode: the index file is damaged.
package struct IndexDecodingError: Error, Sendable {
    /// Byte offset inside the (decompressed) block.
    let offset: Int
}
