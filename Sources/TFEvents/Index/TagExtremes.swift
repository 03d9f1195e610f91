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

    /// The extremes of every tag of `chunk`.
    static func of(_ chunk: FileChunk) -> [TagExtremes] {
        var byTag: [UInt32: TagExtremes] = [:]
        for i in 0 ..< chunk.pointCount {
            let tag = chunk.pointTags[i], value = chunk.values[i]
            var entry = byTag[tag] ?? TagExtremes(tag: tag, count: 0, nanCount: 0, minIndex: -1, minValue: .nan,
                                                  maxIndex: -1, maxValue: .nan)
            entry.count += 1
            if value.isNaN {
                entry.nanCount += 1
            } else {
                if entry.minIndex < 0 || value < entry.minValue { (entry.minIndex, entry.minValue) = (i, value) }
                if entry.maxIndex < 0 || value > entry.maxValue { (entry.maxIndex, entry.maxValue) = (i, value) }
            }
            byTag[tag] = entry
        }
        return byTag.values.sorted { $0.tag < $1.tag }
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
