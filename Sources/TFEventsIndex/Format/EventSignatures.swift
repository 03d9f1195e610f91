import TFRecord

/// The tags of each event's points, stored once per distinct sequence.
///
/// A log repeats the same tags in the same order event after event (an
/// evaluation writes the same metrics each time), so a chunk stores each
/// distinct sequence of point tags once — a *signature* — and each event
/// as the number of its signature: the points' tag and event columns
/// follow from those. Values are stored grouped by tag (see
/// ``layout()``), where a metric's successive values sit side by side.
struct EventSignatures {
    /// The tags of every signature, one signature after another.
    private(set) var tags: [UInt32] = []
    /// `starts[s] ..< starts[s + 1]`: signature `s`'s range in ``tags``.
    private(set) var starts: [Int] = [0]
    /// The signature of each event.
    private(set) var ofEvent: [UInt32] = []
    /// The point count a decoded chunk declares (nil when built from points).
    private(set) var declaredPoints: Int?

    /// Number of distinct signatures.
    var count: Int { starts.count - 1 }

    /// The signatures of `eventCount` events whose points (in file order)
    /// have tags `pointTags` and belong to events `pointEvents`
    /// (ascending). An event without points has the empty signature.
    init(pointTags: [UInt32], pointEvents: [UInt32], eventCount: Int) {
        ofEvent.reserveCapacity(eventCount)
        var slots = [Int32](repeating: -1, count: 64)
        var hashes: [UInt64] = []
        var point = 0
        for event in 0 ..< eventCount {
            let first = point
            while point < pointEvents.count, Int(pointEvents[point]) == event { point += 1 }
            let hash = Self.hash(pointTags[first ..< point])
            var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
            var found = -1
            while slots[slot] >= 0 {
                let candidate = Int(slots[slot])
                if hashes[candidate] == hash,
                   tags[starts[candidate] ..< starts[candidate + 1]].elementsEqual(pointTags[first ..< point]) {
                    found = candidate
                    break
                }
                slot = (slot + 1) & (slots.count - 1)
            }
            if found < 0 {
                found = count
                tags.append(contentsOf: pointTags[first ..< point])
                starts.append(tags.count)
                hashes.append(hash)
                slots[slot] = Int32(found)
                if count * 2 > slots.count { slots = Self.rehash(hashes, size: slots.count * 2) }
            }
            ofEvent.append(UInt32(found))
        }
        precondition(point == pointEvents.count, "a chunk's points out of event order")
    }

    /// Writes `pointCount` (the points of all events), the signatures and
    /// each event's signature.
    func encode(pointCount: Int, into encoder: inout IndexEncoder) {
        encoder.varint(UInt64(pointCount))
        encoder.varint(UInt64(count))
        for signature in 0 ..< count {
            encoder.varint(UInt64(starts[signature + 1] - starts[signature]))
            for tag in tags[starts[signature] ..< starts[signature + 1]] { encoder.varint(UInt64(tag)) }
        }
        encoder.varints(ofEvent)
    }

    /// Reads what ``encode(pointCount:into:)`` wrote for `events` events,
    /// and the point count it declares: bounded by the bytes left (each
    /// point's value takes 4 bytes or more further on), so that a damaged
    /// chunk cannot make a decoder allocate without bound. Each event's
    /// signature and the point count are checked by ``layout()``.
    init(decoding decoder: inout IndexDecoder, events: Int) throws(IndexDecodingError) {
        declaredPoints = try decoder.count(minimumBytes: 4)
        let signatures = try decoder.count(minimumBytes: 1)
        starts.reserveCapacity(signatures + 1)
        for _ in 0 ..< signatures {
            let length = try decoder.count(minimumBytes: 1)
            for _ in 0 ..< length {
                let tag = try decoder.varint()
                guard tag <= UInt64(UInt32.max) else { throw IndexDecodingError(offset: decoder.position) }
                tags.append(UInt32(tag))
            }
            starts.append(tags.count)
        }
        ofEvent = try decoder.varints()
        guard ofEvent.count == events else { throw IndexDecodingError(offset: decoder.position) }
    }

    private static func hash(_ tags: ArraySlice<UInt32>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(tags.count)
        for tag in tags {
            h = (h ^ UInt64(tag)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
        }
        return h
    }

    private static func rehash(_ hashes: [UInt64], size: Int) -> [Int32] {
        var slots = [Int32](repeating: -1, count: size)
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(id)
        }
        return slots
    }

    /// How values are grouped: tags in order of first appearance in
    /// ``tags``, each tag's values in point order (points in event order,
    /// each event's in its signature's order). Group sizes are counted from
    /// how many events have each signature: no pass over the points. nil
    /// when an event's signature does not exist, or the points are not the
    /// count a decoded chunk declared.
    func layout() -> ColumnCodec.SignatureLayout? {
        var local: [UInt32: Int32] = [:]
        let entryGroups = tags.map { tag in
            if let known = local[tag] { return known }
            let group = Int32(local.count)
            local[tag] = group
            return group
        }
        var uses = [Int](repeating: 0, count: count)
        for signature in ofEvent {
            guard Int(signature) < count else { return nil }
            uses[Int(signature)] += 1
        }
        var sizes = [Int](repeating: 0, count: local.count)
        for signature in 0 ..< count where uses[signature] > 0 {
            for entry in starts[signature] ..< starts[signature + 1] { sizes[Int(entryGroups[entry])] += uses[signature] }
        }
        var groupStarts = [0]
        groupStarts.reserveCapacity(sizes.count + 1)
        for size in sizes { groupStarts.append(groupStarts[groupStarts.count - 1] + size) }
        guard let layout = ColumnCodec.SignatureLayout(starts: starts, entryGroups: entryGroups,
                                                       groupStarts: groupStarts, ofEvent: ofEvent),
              declaredPoints == nil || layout.pointCount == declaredPoints else { return nil }
        return layout
    }
}
