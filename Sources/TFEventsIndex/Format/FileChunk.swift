import TFEventsCore
import TFRecord

/// What kind of non-scalar data a point holds.
public enum BlobKind: UInt8, Sendable, Hashable, Codable, CustomStringConvertible {
    /// `Summary.Value.histo`.
    case histogram = 1
    /// `Summary.Value.image`.
    case image = 2
    /// `Summary.Value.audio`.
    case audio = 3
    /// A `Summary.Value.tensor` that is not a scalar (text, v2 histograms, ...).
    case tensor = 4
    /// `Event.graph_def` (tag `__run_graph__`).
    case graph = 5
    /// `Event.meta_graph_def` (tag `__meta_graph__`).
    case metaGraph = 6
    /// `Event.tagged_run_metadata` (its own tag).
    case runMetadata = 7
    /// `Summary.Value.obsolete_old_style_histogram`.
    case obsoleteHistogram = 8

    /// A lowercase name.
    public var description: String {
        switch self {
        case .histogram: return "histogram"
        case .image: return "image"
        case .audio: return "audio"
        case .tensor: return "tensor"
        case .graph: return "graph"
        case .metaGraph: return "meta_graph"
        case .runMetadata: return "run_metadata"
        case .obsoleteHistogram: return "obsolete_histogram"
        }
    }

    /// The kind of a summary value that is not a scalar, if any.
    init?(_ kind: SummaryValueView.Kind) {
        switch kind {
        case .histogram: self = .histogram
        case .image: self = .image
        case .audio: self = .audio
        case .tensor: self = .tensor
        case .obsoleteHistogram: self = .obsoleteHistogram
        case .none, .simpleValue: return nil
        }
    }
}

/// The indexed content of one contiguous stretch of an event file, in file
/// order, in columns.
///
/// Events are stored once (step, wall time, record offset and length) and
/// points refer to them by position, so the many values of one event share
/// one step and one wall time. Tags are ids into the file's tag list.
package struct FileChunk: Sendable, Equatable {
    /// Events holding at least one point or a session START.
    package var eventSteps: [Int64] = []
    var eventWallTimes: [Double] = []
    var eventOffsets: [Int64] = []
    /// Record length (framing included) of each event.
    var eventLengths: [UInt32] = []
    /// Scalar points, in file order.
    var pointTags: [UInt32] = []
    package var pointEvents: [UInt32] = []
    var values: [Double] = []
    /// Non-scalar points, in file order.
    var blobTags: [UInt32] = []
    var blobEvents: [UInt32] = []
    var blobKinds: [UInt8] = []
    /// Events that are a `SessionLog` START (TensorBoard purges on them).
    var startEvents: [UInt32] = []

    var isEmpty: Bool { eventSteps.isEmpty }

    /// Events holding at least one scalar point.
    var scalarEventCount: Int {
        var count = 0
        var previous: UInt32?
        for event in pointEvents where event != previous {
            count += 1
            previous = event
        }
        return count
    }
    var pointCount: Int { values.count }

    /// Adds an event and returns its position.
    mutating func addEvent(step: Int64, wallTime: Double, offset: Int, length: Int) -> UInt32 {
        eventSteps.append(step)
        eventWallTimes.append(wallTime)
        eventOffsets.append(Int64(offset))
        eventLengths.append(UInt32(clamping: length))
        return UInt32(eventSteps.count - 1)
    }

    /// Where the chunk's columns end: taken before an event, to drop what
    /// the event added when its summary turns out to be damaged.
    struct Mark {
        var events: Int
        var points: Int
        var blobs: Int
    }

    /// The columns' ends now.
    var mark: Mark { Mark(events: eventSteps.count, points: pointTags.count, blobs: blobTags.count) }

    /// Drops everything added since `mark`.
    mutating func rollBack(to mark: Mark) {
        eventSteps.removeSubrange(mark.events...)
        eventWallTimes.removeSubrange(mark.events...)
        eventOffsets.removeSubrange(mark.events...)
        eventLengths.removeSubrange(mark.events...)
        pointTags.removeSubrange(mark.points...)
        pointEvents.removeSubrange(mark.points...)
        values.removeSubrange(mark.points...)
        blobTags.removeSubrange(mark.blobs...)
        blobEvents.removeSubrange(mark.blobs...)
        blobKinds.removeSubrange(mark.blobs...)
    }

    // MARK: - Encoding

    /// Serialises the chunk (before compression).
    func encoded() -> [UInt8] {
        var encoder = IndexEncoder(capacity: values.count * 12 + eventSteps.count * 24 + 64)
        encode(into: &encoder)
        return encoder.bytes
    }

    /// Empties the chunk but keeps its buffers, so that the next chunk
    /// does not touch fresh memory.
    mutating func removeAll() {
        eventSteps.removeAll(keepingCapacity: true)
        eventWallTimes.removeAll(keepingCapacity: true)
        eventOffsets.removeAll(keepingCapacity: true)
        eventLengths.removeAll(keepingCapacity: true)
        pointTags.removeAll(keepingCapacity: true)
        pointEvents.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        blobTags.removeAll(keepingCapacity: true)
        blobEvents.removeAll(keepingCapacity: true)
        blobKinds.removeAll(keepingCapacity: true)
        startEvents.removeAll(keepingCapacity: true)
    }

    /// Serialises the chunk into `encoder` (emptied first, capacity kept).
    func encode(into encoder: inout IndexEncoder) {
        encoder.reset()
        encoder.deltas(eventSteps)
        encoder.wallTimes(eventWallTimes)
        // Record offsets less the lengths of the events before them, as
        // deltas: the gaps between indexed records, mostly zero (the
        // offsets' own deltas repeat the lengths, two bytes an event).
        // Written in the format of `deltas` (a count, zig-zag varints),
        // without building the adjusted offsets.
        encoder.varint(UInt64(eventOffsets.count))
        var end: Int64 = 0
        for event in eventOffsets.indices {
            encoder.signed(eventOffsets[event] &- end)
            end = eventOffsets[event] &+ Int64(eventLengths[event])
        }
        // The points' tags and events as each event's signature (its
        // sequence of tags, stored once).
        let signatures = EventSignatures(pointTags: pointTags, pointEvents: pointEvents, eventCount: eventSteps.count)
        signatures.encode(pointCount: values.count, into: &encoder)
        // Record lengths, each less the length of the last event of the
        // same signature (the same tags: mostly the same length), in the
        // format of `deltas`.
        encoder.varint(UInt64(eventLengths.count))
        var lastLength = [Int64](repeating: 0, count: signatures.count)
        for event in eventLengths.indices {
            let signature = Int(signatures.ofEvent[event])
            encoder.signed(Int64(eventLengths[event]) - lastLength[signature])
            lastLength[signature] = Int64(eventLengths[event])
        }
        // Values grouped by tag, where a metric's values follow each other.
        // The layout is made from these very points, which the indexer
        // appends event after event: it groups them.
        guard let layout = signatures.layout(), let grouped = ColumnCodec.group(values, by: layout) else {
            preconditionFailure("a chunk's points out of event order")
        }
        // All float32 (simple_value and DT_FLOAT tensors): 4 bytes each;
        // otherwise 8.
        let allFloat = grouped.allSatisfy { Double(Float($0)).bitPattern == $0.bitPattern }
        encoder.bool(allFloat)
        if allFloat {
            encoder.shuffled32(count: grouped.count) { Float(grouped[$0]).bitPattern }
        } else {
            encoder.xorShuffled(count: grouped.count) { grouped[$0].bitPattern }
        }
        encoder.deltas(blobTags)
        encoder.deltas(blobEvents)
        encoder.raw(blobKinds)
        encoder.deltas(startEvents)
    }

    /// The columns after the record offsets, shared by both decoders:
    /// signatures (made into the points' tags and events), record lengths
    /// (read when `lengths`, else stepped over), values, blobs, START events.
    private mutating func decodePointsAndBlobs(_ decoder: inout IndexDecoder, events: Int,
                                               lengths: Bool) throws(IndexDecodingError) {
        let signatures = try EventSignatures(decoding: &decoder, events: events)
        // Checks every event's signature (the lengths below index by it).
        guard let layout = signatures.layout() else { throw IndexDecodingError(offset: decoder.position) }
        if lengths {
            guard try decoder.count(minimumBytes: 1) == events else { throw IndexDecodingError(offset: decoder.position) }
            var lastLength = [Int64](repeating: 0, count: signatures.count)
            eventLengths.reserveCapacity(events)
            for event in 0 ..< events {
                let signature = Int(signatures.ofEvent[event])
                let length = lastLength[signature] &+ (try decoder.signed())
                guard let stored = UInt32(exactly: length) else { throw IndexDecodingError(offset: decoder.position) }
                eventLengths.append(stored)
                lastLength[signature] = length
            }
        } else {
            guard try decoder.skipDeltas() == events else { throw IndexDecodingError(offset: decoder.position) }
        }
        let grouped = try decoder.bool() ? try decoder.shuffled32FloatsAsDoubles() : try decoder.xorShuffledDoubles()
        guard let points = ColumnCodec.expand(layout, tags: signatures.tags, grouped: grouped) else {
            throw IndexDecodingError(offset: decoder.position)
        }
        (pointTags, pointEvents, values) = points
        blobTags = try decoder.deltas(as: UInt32.self)
        blobEvents = try decoder.deltas(as: UInt32.self)
        blobKinds = try decoder.raw()
        startEvents = try decoder.deltas(as: UInt32.self)
        guard blobTags.count == blobEvents.count, blobKinds.count == blobEvents.count,
              blobEvents.allSatisfy({ Int($0) < events }), startEvents.allSatisfy({ Int($0) < events }),
              decoder.isAtEnd else {
            throw IndexDecodingError(offset: decoder.position)
        }
    }

    /// Reads an encoded chunk and checks that its columns agree.
    package init(decoding bytes: [UInt8]) throws(IndexDecodingError) {
        var decoder = IndexDecoder(bytes)
        eventSteps = try decoder.deltas(as: Int64.self)
        let events = eventSteps.count
        eventWallTimes = try decoder.wallTimes()
        guard eventWallTimes.count == events, try decoder.count(minimumBytes: 1) == events else {
            throw IndexDecodingError(offset: decoder.position)
        }
        eventOffsets.reserveCapacity(events)
        var end: Int64 = 0
        for _ in 0 ..< events {
            let offset = end &+ (try decoder.signed())
            eventOffsets.append(offset)
            end = offset  // plus the length, once the lengths are read
        }
        try decodePointsAndBlobs(&decoder, events: events, lengths: true)
        var total: Int64 = 0
        for event in eventOffsets.indices {
            eventOffsets[event] &+= total
            total &+= Int64(eventLengths[event])
        }
    }

    /// Reads only what scalar queries need (event steps, points, START
    /// events): wall times, record offsets and lengths are stepped over,
    /// left empty. About a third less work than ``init(decoding:)``.
    init(decodingScalars bytes: [UInt8]) throws(IndexDecodingError) {
        try self.init(decodingPoints: bytes, wallTimes: false)
    }

    /// Reads what point queries need (event steps, wall times unless
    /// `wallTimes` is false, points, START events): record offsets and
    /// lengths are stepped over, left empty (they are for reading a record
    /// back).
    init(decodingPoints bytes: [UInt8], wallTimes: Bool = true) throws(IndexDecodingError) {
        var decoder = IndexDecoder(bytes)
        eventSteps = try decoder.deltas(as: Int64.self)
        let events = eventSteps.count
        if wallTimes {
            eventWallTimes = try decoder.wallTimes()
            guard eventWallTimes.count == events else { throw IndexDecodingError(offset: decoder.position) }
        } else {
            guard try decoder.skipWallTimes() == events else { throw IndexDecodingError(offset: decoder.position) }
        }
        guard try decoder.skipDeltas() == events else { throw IndexDecodingError(offset: decoder.position) }
        try decodePointsAndBlobs(&decoder, events: events, lengths: false)
    }

    init() {}
}
