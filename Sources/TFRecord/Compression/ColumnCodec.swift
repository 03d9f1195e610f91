/// The byte-level kernels of the index's column encoding: zig-zag delta
/// varints and byte-plane shuffles of 32- and 64-bit values, which make
/// number columns compress well (long runs of equal high bytes).
///
/// A fenced place of the lowest layer: the loops run over buffer pointers
/// after one bounds check each, behind an API of arrays and offsets. Every
/// decoder checks that its input holds what it reads and reports a short
/// or malformed input as nil, never by trapping: an index file is input.
///
/// The index (another module) calls these per column: the kernels are
/// `@inlinable`, and the delta codecs have one concrete entry point per
/// column type, because a generic function called across modules ran
/// unspecialized (through the runtime's generic iterators), several times
/// slower.
package enum ColumnCodec {
    // MARK: - Encoding

    /// Appends `values` as zig-zag deltas from their predecessor (the first
    /// from 0), one varint each.
    package static func appendDeltas(_ values: [Int64], to bytes: inout [UInt8]) {
        appendDeltasSpecialized(values, to: &bytes)
    }

    /// See ``appendDeltas(_:to:)-(Int64)``.
    package static func appendDeltas(_ values: [UInt32], to bytes: inout [UInt8]) {
        appendDeltasSpecialized(values, to: &bytes)
    }

    /// `plain`: each value itself as a varint, not a zig-zag delta.
    @inline(__always)
    private static func appendDeltasSpecialized<T: FixedWidthInteger>(_ values: [T], to bytes: inout [UInt8],
                                                                    plain: Bool = false) {
        let start = bytes.count
        // Room for the longest encoding; trimmed below. Capacity is reused
        // between chunks, so this touches no fresh memory.
        bytes.append(contentsOf: repeatElement(0, count: values.count &* 10))
        let end = unsafe bytes.withUnsafeMutableBufferPointer { out -> Int in
            unsafe values.withUnsafeBufferPointer { input -> Int in
                var p = start
                var previous: Int64 = 0
                for unsafe value in unsafe input {
                    let current = Int64(truncatingIfNeeded: value)
                    // Deltas are taken modulo 2^64 and summed back modulo 2^64
                    // by the decoder: wrapping is part of the encoding.
                    let delta = current &- previous
                    previous = current
                    var zigzag = plain ? UInt64(bitPattern: current) : UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
                    // At most 10 bytes per value were reserved.
                    while zigzag >= 0x80 {
                        unsafe out[p] = UInt8(truncatingIfNeeded: zigzag) | 0x80
                        zigzag >>= 7
                        p &+= 1  // within the 10 bytes reserved per value
                    }
                    unsafe out[p] = UInt8(zigzag)
                    p &+= 1  // within the 10 bytes reserved per value
                }
                return p
            }
        }
        bytes.removeSubrange(end...)
    }

    /// Appends `count` 64-bit patterns, each XORed with its predecessor, as
    /// 8 byte planes. `pattern(i)` gives element i.
    @inlinable
    package static func appendXorShuffled(count: Int, to bytes: inout [UInt8], _ pattern: (Int) -> UInt64) {
        var previous: UInt64 = 0
        appendPlanes64(count: count, to: &bytes) { i in
            let value = pattern(i)
            defer { previous = value }
            return value ^ previous
        }
    }

    /// Appends `count` 64-bit words as 8 byte planes (plane p holds byte p
    /// of every word). `word(i)` gives element i, in order.
    @inlinable @inline(__always)
    static func appendPlanes64(count: Int, to bytes: inout [UInt8], _ word: (Int) -> UInt64) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count &* 8))
        unsafe bytes.withUnsafeMutableBufferPointer { out in
            for i in 0 ..< count {
                let x = word(i)
                // start + plane * count + i < start + 8 * count = out.count.
                for plane in 0 ..< 8 {
                    unsafe out[start &+ plane &* count &+ i] = UInt8(truncatingIfNeeded: x >> (8 * plane))  // < out.count
                }
            }
        }
    }

    /// Appends `count` 32-bit patterns as 4 byte planes. `pattern(i)`
    /// gives element i.
    @inlinable
    package static func appendShuffled32(count: Int, to bytes: inout [UInt8], _ pattern: (Int) -> UInt32) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count &* 4))
        unsafe bytes.withUnsafeMutableBufferPointer { out in
            for i in 0 ..< count {
                let value = pattern(i)
                // start + plane * count + i < start + 4 * count = out.count.
                for plane in 0 ..< 4 {
                    unsafe out[start &+ plane &* count &+ i] = UInt8(truncatingIfNeeded: value >> (8 * plane))  // < out.count
                }
            }
        }
    }

    // MARK: - Decoding

    /// Decodes `count` zig-zag delta varints from `bytes[position...]`,
    /// moving `position` past them; nil when the input ends first or a
    /// varint is longer than 10 bytes.
    package static func decodeDeltas(_ bytes: [UInt8], at position: inout Int, count: Int,
                                     as type: Int64.Type) -> [Int64]? {
        decodeDeltasSpecialized(bytes, at: &position, count: count, as: type)
    }

    /// See ``decodeDeltas(_:at:count:as:)-(_,_,_,Int64.Type)``.
    package static func decodeDeltas(_ bytes: [UInt8], at position: inout Int, count: Int,
                                     as type: UInt32.Type) -> [UInt32]? {
        decodeDeltasSpecialized(bytes, at: &position, count: count, as: type)
    }

    /// Decodes `count` plain varints (not deltas) from `bytes[position...]`
    /// as ``decodeDeltas(_:at:count:as:)-(_,_,_,Int64.Type)`` does,
    /// truncating each to 32 bits; nil when the input ends first.
    package static func decodeVarints(_ bytes: [UInt8], at position: inout Int, count: Int) -> [UInt32]? {
        decodeDeltasSpecialized(bytes, at: &position, count: count, as: UInt32.self, plain: true)
    }

    /// Appends `values` as plain varints, one each.
    package static func appendVarints(_ values: [UInt32], to bytes: inout [UInt8]) {
        appendDeltasSpecialized(values, to: &bytes, plain: true)
    }

    /// `plain`: the varints are the values themselves, not zig-zag deltas.
    @inline(__always)
    private static func decodeDeltasSpecialized<T: FixedWidthInteger>(_ bytes: [UInt8], at position: inout Int,
                                                                      count: Int, as type: T.Type,
                                                                      plain: Bool = false) -> [T]? {
        guard count > 0 else { return [] }
        // The varint loop inlined, with a one-byte fast path: most deltas
        // (steps, event and tag ids) fit in 7 bits, and this loop decodes
        // every point of every chunk a query reads. Values are stored into
        // the result's uninitialised room (an append per value, with its
        // capacity and uniqueness checks, was half of the loop).
        var at = position
        var complete = false
        let result = unsafe [T](unsafeUninitializedCapacity: count) { output, initialized in
            var previous: Int64 = 0
            var index = 0
            defer { initialized = index }  // every value before `index` was stored
            complete = unsafe bytes.withUnsafeBufferPointer { input -> Bool in
                guard at >= 0, let base = input.baseAddress else { return false }
                // Values to decode one by one before trying eight at once
                // again: after a miss, so that columns of longer varints
                // (step deltas of evaluation logs) do not pay for the test.
                var slow = 0
                while index < count {
                    // Eight one-byte varints at once when the next eight
                    // bytes have no continuation bit (deltas of ids and
                    // event numbers nearly always fit in seven bits).
                    if slow == 0, count &- index >= 8, input.count &- at >= 8 {
                        let word = unsafe UInt64(littleEndian: UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self))
                        if word & 0x8080_8080_8080_8080 == 0 {
                            for lane in 0 ..< 8 {
                                let raw = (word >> UInt64(8 * lane)) & 0x7F
                                previous = plain ? Int64(bitPattern: raw)
                                    : previous &+ (Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
                                // index + lane < count == output.count.
                                unsafe output.initializeElement(at: index &+ lane, to: T(truncatingIfNeeded: previous))
                            }
                            index &+= 8
                            at &+= 8
                            continue
                        }
                        slow = 16
                    } else if slow > 0 {
                        slow &-= 1
                    }
                    guard at < input.count else { return false }
                    var byte = unsafe input[at]
                    at &+= 1  // at < input.count
                    var raw = UInt64(byte & 0x7F)
                    if byte >= 0x80 {
                        var shift: UInt64 = 7
                        repeat {
                            guard at < input.count, shift < 64 else { return false }
                            byte = unsafe input[at]
                            at &+= 1  // at < input.count
                            raw |= UInt64(byte & 0x7F) << shift
                            shift += 7
                        } while byte >= 0x80
                    }
                    // Modulo 2^64, as the encoder took the deltas.
                    previous = plain ? Int64(bitPattern: raw)
                        : previous &+ (Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
                    // index < count == output.count: the store stays inside the room.
                    unsafe output.initializeElement(at: index, to: T(truncatingIfNeeded: previous))
                    index &+= 1
                }
                return true
            }
        }
        guard complete else { return nil }
        position = at
        return result
    }

    /// Steps over `count` varints from `bytes[position...]`; false when the
    /// input ends first.
    @inlinable
    package static func skipVarints(_ bytes: [UInt8], at position: inout Int, count: Int) -> Bool {
        var at = position
        let complete = unsafe bytes.withUnsafeBufferPointer { input -> Bool in
            var left = count
            while left > 0 {
                guard at >= 0, at < input.count else { return false }
                if unsafe input[at] < 0x80 { left -= 1 }  // the last byte of a varint
                at &+= 1  // at < input.count
            }
            return true
        }
        guard complete else { return false }
        position = at
        return true
    }

    /// Decodes `count` XOR-shuffled 64-bit patterns at `bytes[position...]`;
    /// nil when fewer than `8 * count` bytes are there.
    package static func decodeXorShuffled(_ bytes: [UInt8], at position: Int, count: Int) -> [UInt64]? {
        xorShuffled(bytes, at: position, count: count) { $0 }
    }

    /// ``decodeXorShuffled(_:at:count:)`` as doubles (the patterns' bits),
    /// made as they are decoded: no second array.
    package static func decodeXorShuffledDoubles(_ bytes: [UInt8], at position: Int, count: Int) -> [Double]? {
        xorShuffled(bytes, at: position, count: count, as: Double.init(bitPattern:))
    }

    /// One pass: element `i` gathers its eight bytes from the eight planes
    /// and is stored once into the result's uninitialised room (eight
    /// read-modify-write passes over a zeroed array were most of the cost).
    /// Inlined into each wrapper, so that it is specialised for `T`.
    @inline(__always)
    private static func xorShuffled<T>(_ bytes: [UInt8], at position: Int, count: Int,
                                       as make: (UInt64) -> T) -> [T]? {
        var previous: UInt64 = 0
        return planes64(bytes, at: position, count: count) { pattern in
            previous ^= pattern
            return make(previous)
        }
    }

    /// The `count` words of 8 byte planes at `bytes[position...]`, each
    /// handed to `element` in order and its result stored; nil when fewer
    /// than `8 * count` bytes are there.
    @inline(__always)
    private static func planes64<T>(_ bytes: [UInt8], at position: Int, count: Int,
                                    _ element: (UInt64) -> T) -> [T]? {
        guard count >= 0, position >= 0, count <= (bytes.count - position) / 8 else { return nil }
        guard count > 0 else { return [] }
        return unsafe bytes.withUnsafeBufferPointer { input in
            unsafe [T](unsafeUninitializedCapacity: count) { out, initialized in
                // position + 8 * count <= bytes.count, checked above: every
                // plane p spans base + p * count ..< base + (p + 1) * count.
                let base = unsafe input.baseAddress! + position
                for i in 0 ..< count {
                    var word: UInt64 = 0
                    for plane in 0 ..< 8 { unsafe word |= UInt64(base[plane &* count &+ i]) << UInt64(8 * plane) }
                    unsafe out.initializeElement(at: i, to: element(word))
                }
                initialized = count
            }
        }
    }

    /// Decodes `count` shuffled 32-bit patterns at `bytes[position...]`;
    /// nil when fewer than `4 * count` bytes are there.
    package static func decodeShuffled32(_ bytes: [UInt8], at position: Int, count: Int) -> [UInt32]? {
        shuffled32(bytes, at: position, count: count) { $0 }
    }

    /// ``decodeShuffled32(_:at:count:)`` of float patterns as doubles, made
    /// as they are decoded.
    package static func decodeShuffled32FloatsAsDoubles(_ bytes: [UInt8], at position: Int, count: Int) -> [Double]? {
        shuffled32(bytes, at: position, count: count) { Double(Float(bitPattern: $0)) }
    }

    /// One pass, as ``xorShuffled(_:at:count:as:)``.
    @inline(__always)
    private static func shuffled32<T>(_ bytes: [UInt8], at position: Int, count: Int,
                                      as make: (UInt32) -> T) -> [T]? {
        guard count >= 0, position >= 0, count <= (bytes.count - position) / 4 else { return nil }
        guard count > 0 else { return [] }
        return unsafe bytes.withUnsafeBufferPointer { input in
            unsafe [T](unsafeUninitializedCapacity: count) { out, initialized in
                // position + 4 * count <= bytes.count, checked above.
                let base = unsafe input.baseAddress! + position
                for i in 0 ..< count {
                    let pattern = unsafe UInt32(base[i]) | UInt32(base[count &+ i]) << 8
                        | UInt32(base[2 &* count &+ i]) << 16 | UInt32(base[3 &* count &+ i]) << 24
                    unsafe out.initializeElement(at: i, to: make(pattern))
                }
                initialized = count
            }
        }
    }
}

extension ColumnCodec {
    /// Appends `count` integers as the zig-zag deltas from their
    /// predecessor (the first from 0), in 8 byte planes: for columns of
    /// large, irregular increments (wall times in microseconds), whose
    /// varints would have no byte worth compressing in common.
    @inlinable
    package static func appendDeltaShuffled(count: Int, to bytes: inout [UInt8], _ value: (Int) -> Int64) {
        var previous: Int64 = 0
        appendPlanes64(count: count, to: &bytes) { i in
            let current = value(i)
            let delta = current &- previous  // modulo 2^64, as the decoder adds
            previous = current
            return UInt64(bitPattern: (delta << 1) ^ (delta >> 63))
        }
    }

    /// Decodes `count` integers written by
    /// ``appendDeltaShuffled(count:to:_:)`` at `bytes[position...]` as
    /// doubles: each integer divided by `scale` (wall times stored in
    /// microseconds: `scale` 1e6, the division TensorFlow's writer makes);
    /// nil when fewer than `8 * count` bytes are there.
    package static func decodeDeltaShuffled(_ bytes: [UInt8], at position: Int, count: Int,
                                            dividedBy scale: Double) -> [Double]? {
        var previous: Int64 = 0
        return planes64(bytes, at: position, count: count) { raw in
            previous = previous &+ (Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
            return Double(previous) / scale
        }
    }
}

extension ColumnCodec {
    /// How an index chunk lays out its points by *signature* (an event's
    /// sequence of point tags, stored once): `starts[s] ..< starts[s + 1]`
    /// are signature `s`'s entries; `entryGroups[k]` is the value group
    /// (a tag) of entry `k`; `groupStarts[g] ..< groupStarts[g + 1]` is
    /// where group `g`'s values lie in a grouped column; `ofEvent[e]` is
    /// event `e`'s signature. Points run in event order, each event's in
    /// its signature's order; a group's values in point order.
    package struct SignatureLayout {
        let starts: [Int]
        let entryGroups: [Int32]
        let groupStarts: [Int]
        let ofEvent: [UInt32]
        /// Number of points.
        package let pointCount: Int

        /// The layout, or nil when its parts disagree (a signature range
        /// or group outside the arrays, an event's signature unknown, group
        /// sizes that do not add up to the points): checked once here, so
        /// that the loops below need no other test.
        package init?(starts: [Int], entryGroups: [Int32], groupStarts: [Int], ofEvent: [UInt32]) {
            guard let first = starts.first, first == 0, starts.last == entryGroups.count,
                  groupStarts.first == 0 else { return nil }
            for s in 0 ..< starts.count - 1 where starts[s] > starts[s + 1] { return nil }
            for g in 0 ..< max(groupStarts.count - 1, 0) where groupStarts[g] > groupStarts[g + 1] { return nil }
            let groups = groupStarts.count - 1
            for group in entryGroups where group < 0 || Int(group) >= groups { return nil }
            var points = 0
            for signature in ofEvent {
                guard Int(signature) < starts.count - 1 else { return nil }
                points += starts[Int(signature) + 1] - starts[Int(signature)]
            }
            guard points == groupStarts.last else { return nil }
            self.starts = starts
            self.entryGroups = entryGroups
            self.groupStarts = groupStarts
            self.ofEvent = ofEvent
            pointCount = points
        }
    }

    /// Puts `values` (in point order) into groups: the grouped column;
    /// nil when `values` is not one per point or the groups' sizes are
    /// not what the points fill.
    package static func group(_ values: [Double], by layout: SignatureLayout) -> [Double]? {
        let count = layout.pointCount
        guard values.count == count else { return nil }
        var complete = true
        let grouped = unsafe [Double](unsafeUninitializedCapacity: count) { out, initialized in
            complete = unsafe values.withUnsafeBufferPointer { values in
                unsafe layout.walk { point, _, _, slot in
                    unsafe out.initializeElement(at: slot, to: values[point])  // slot, point < count
                }
            }
            // No group overflowed and the sizes add up to the points: every
            // slot was written once. Otherwise some were not: zeros, dropped.
            if !complete { unsafe out.initialize(repeating: 0) }
            initialized = count
        }
        return complete ? grouped : nil
    }

    /// The points' tags, events and values (in point order) from signature
    /// tags (one per entry) and the grouped values column: one pass, into
    /// uninitialised room. nil when `grouped` is not one value per point or
    /// `tags` not one per entry.
    package static func expand(_ layout: SignatureLayout, tags signatureTags: [UInt32],
                               grouped: [Double]) -> (tags: [UInt32], events: [UInt32], values: [Double])? {
        let count = layout.pointCount
        guard grouped.count == count, signatureTags.count == layout.entryGroups.count else { return nil }
        var complete = true
        var tags: [UInt32] = []
        var events: [UInt32] = []
        let values = unsafe [Double](unsafeUninitializedCapacity: count) { outValues, initializedValues in
            tags = unsafe [UInt32](unsafeUninitializedCapacity: count) { outTags, initializedTags in
                events = unsafe [UInt32](unsafeUninitializedCapacity: count) { outEvents, initializedEvents in
                    // Each walk step's point and slot are below count, its
                    // entry below entryGroups.count == signatureTags.count.
                    complete = unsafe grouped.withUnsafeBufferPointer { grouped in
                        unsafe signatureTags.withUnsafeBufferPointer { signatureTags in
                            unsafe layout.walk { point, event, entry, slot in
                                unsafe outValues.initializeElement(at: point, to: grouped[slot])
                                unsafe outTags.initializeElement(at: point, to: signatureTags[entry])
                                unsafe outEvents.initializeElement(at: point, to: UInt32(truncatingIfNeeded: event))
                            }
                        }
                    }
                    // A walk that stopped stored a prefix: zeros, dropped below.
                    if !complete {
                        unsafe outValues.initialize(repeating: 0)
                        unsafe outTags.initialize(repeating: 0)
                        unsafe outEvents.initialize(repeating: 0)
                    }
                    initializedEvents = count
                }
                initializedTags = count
            }
            initializedValues = count
        }
        guard complete else { return nil }
        return (tags, events, values)
    }
}

extension ColumnCodec.SignatureLayout {
    /// Calls `body(point, event, entry, slot)` for every point in order:
    /// its event, its signature entry and its slot in the grouped column. Returns false,
    /// stopping, when a group would overflow (sizes not counted from these
    /// events); then the points before were visited. Every argument passed
    /// is in range: point, slot < pointCount; entry < entryGroups.count.
    @inline(__always)
    @unsafe
    func walk(_ body: (Int, Int, Int, Int) -> Void) -> Bool {
        var next = groupStarts
        return unsafe next.withUnsafeMutableBufferPointer { next in
            unsafe starts.withUnsafeBufferPointer { starts in
                unsafe entryGroups.withUnsafeBufferPointer { entryGroups in
                    unsafe groupStarts.withUnsafeBufferPointer { groupStarts in
                        var point = 0
                        for (event, signature) in ofEvent.enumerated() {
                            // signature + 1 < starts.count, and starts' ranges
                            // lie inside entryGroups (checked at init).
                            let first = unsafe starts[Int(signature)], end = unsafe starts[Int(signature) &+ 1]
                            var entry = first
                            while entry < end {
                                let group = Int(unsafe entryGroups[entry])  // 0 <= group < groups (checked)
                                let slot = unsafe next[group]
                                let groupEnd = unsafe groupStarts[group &+ 1]
                                guard slot < groupEnd else { return false }
                                body(point, event, entry, slot)
                                unsafe next[group] = slot &+ 1
                                point &+= 1
                                entry &+= 1
                            }
                        }
                        return true
                    }
                }
            }
        }
    }
}
