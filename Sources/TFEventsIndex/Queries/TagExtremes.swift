/// The smallest and largest value of one tag in one chunk, with where they
/// are, so that "which evaluation has the best `loss`" is answered from the
/// manifest without decompressing any chunk but the winner's.
///
/// Ties keep the first point (strictly better replaces, as BestExporter);
/// NaN values are counted and never chosen.
struct TagExtremes: Sendable, Equatable {
    /// The tag's id in its file.
    var tag: UInt32
    /// Scalar points of the tag in the chunk.
    var count: Int
    /// Of those, NaN values.
    var nanCount: Int
    /// Point index (in the chunk) and value of the first smallest value; -1 when all are NaN.
    var minIndex: Int
    var minValue: Double
    /// Point index and value of the first largest value; -1 when all are NaN.
    var maxIndex: Int
    var maxValue: Double

    /// The extremes of every tag of `chunk`, counting a tag once per event:
    /// when a tag appears more than once in one event, only its last value
    /// is the event's (``MetricGoal``). Ties keep the first point.
    static func of(_ chunk: FileChunk) -> [TagExtremes] {
        // Tag ids are dense per file: index a plain array by id.
        let tagCount = Int(chunk.pointTags.max() ?? 0) + 1
        var byTag = [TagExtremes](repeating: TagExtremes(tag: 0, count: 0, nanCount: 0, minIndex: -1, minValue: .nan,
                                                         maxIndex: -1, maxValue: .nan), count: chunk.pointTags.isEmpty ? 0 : tagCount)
        // Walk backwards: the first point of a tag met in an event is its
        // last value there; later meetings in the same event are shadowed.
        var seenInEvent = [UInt32](repeating: .max, count: byTag.count)
        let tags = chunk.pointTags.span, events = chunk.pointEvents.span, values = chunk.values.span
        var i = values.count
        while i > 0 {
            i -= 1
            let tag = Int(tags[i]), event = events[i], value = values[i]
            if seenInEvent[tag] == event { continue }
            seenInEvent[tag] = event
            byTag[tag].count += 1
            if value.isNaN {
                byTag[tag].nanCount += 1
                continue
            }
            // <= and >=: walking backwards, an equal earlier point takes over.
            if byTag[tag].minIndex < 0 || value <= byTag[tag].minValue {
                byTag[tag].minIndex = i
                byTag[tag].minValue = value
            }
            if byTag[tag].maxIndex < 0 || value >= byTag[tag].maxValue {
                byTag[tag].maxIndex = i
                byTag[tag].maxValue = value
            }
        }
        var result: [TagExtremes] = []
        for (tag, var entry) in byTag.enumerated() where entry.count > 0 {
            entry.tag = UInt32(tag)
            result.append(entry)
        }
        return result
    }

    func encode(into encoder: inout IndexEncoder) {
        encoder.varint(UInt64(tag))
        encoder.int(count)
        encoder.int(nanCount)
        encoder.int(minIndex)
        encoder.fixed64(minValue.bitPattern)
        encoder.int(maxIndex)
        encoder.fixed64(maxValue.bitPattern)
    }

    init(decoding decoder: inout IndexDecoder) throws(IndexDecodingError) {
        tag = UInt32(truncatingIfNeeded: try decoder.varint())
        count = try decoder.int()
        nanCount = try decoder.int()
        minIndex = try decoder.int()
        minValue = Double(bitPattern: try decoder.fixed64())
        maxIndex = try decoder.int()
        maxValue = Double(bitPattern: try decoder.fixed64())
    }

    /// Equal when every field is, the values compared bit for bit: a tag
    /// whose points are all NaN stores NaN extremes, and an entry read back
    /// from the index must equal the one written.
    static func == (lhs: TagExtremes, rhs: TagExtremes) -> Bool {
        lhs.tag == rhs.tag && lhs.count == rhs.count && lhs.nanCount == rhs.nanCount
            && lhs.minIndex == rhs.minIndex && lhs.minValue.bitPattern == rhs.minValue.bitPattern
            && lhs.maxIndex == rhs.maxIndex && lhs.maxValue.bitPattern == rhs.maxValue.bitPattern
    }

    init(tag: UInt32, count: Int, nanCount: Int, minIndex: Int, minValue: Double, maxIndex: Int, maxValue: Double) {
        self.tag = tag
        self.count = count
        self.nanCount = nanCount
        self.minIndex = minIndex
        self.minValue = minValue
        self.maxIndex = maxIndex
        self.maxValue = maxValue
    }
}
