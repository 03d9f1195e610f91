import TFRecord
import TFEventsCore
import TFEventsSystem

/// What the index knows about one tag of one file.
public struct TagInfo: Sendable, Equatable {
    /// The tag.
    public var name: String
    /// `plugin_data.plugin_name` of its first value that carried metadata,
    /// or a name derived from the value kind ("scalars", "histograms",
    /// "images", "audio", "graphs") when none did.
    public var pluginName: String
    /// `data_class` of its first metadata (unknown when absent).
    public var dataClass: DataClass
    /// Offset of the record where the tag first appears.
    public var firstOffset: Int
    /// Scalar points.
    public var scalarCount: Int
    /// Non-scalar points.
    public var blobCount: Int
    /// Encoding of its first scalar, nil when it has none.
    public var scalarEncoding: ScalarValue.Encoding?
}

extension ScalarValue.Encoding {
    /// The encoding's number in the index file: 1 for `simple_value`;
    /// for a tensor, 2 + (dtype << 1 | from content).
    var indexCode: UInt64 {
        switch self {
        case .simpleValue: return 1
        case let .tensor(type, fromContent):
            return 2 + (UInt64(UInt32(bitPattern: type.rawValue)) << 1 | (fromContent ? 1 : 0))
        }
    }

    /// The encoding of an index code; nil for 0 (no scalar).
    init?(indexCode code: UInt64) {
        switch code {
        case 0: return nil
        case 1: self = .simpleValue
        default:
            let rest = code - 2
            self = .tensor(DataType(rawValue: Int32(bitPattern: UInt32(truncatingIfNeeded: rest >> 1))),
                           fromContent: rest & 1 == 1)
        }
    }
}

/// Where a chunk of a file's points is stored in the index file.
package struct ChunkLocation: Sendable, Equatable {
    /// Offset of the chunk's segment in the index file.
    package var segmentOffset: Int
    /// Bytes of the segment (header and compressed payload).
    var segmentLength: Int
    var pointCount: Int
    var eventCount: Int
    var blobCount: Int
    /// Events holding at least one scalar.
    package var scalarEventCount: Int
    /// Smallest and largest value of each tag.
    var extremes: [TagExtremes]
}

/// One event file as the index knows it: identity, how far it was read,
/// what went wrong, its tags, and where its points are stored.
public struct IndexedFile: Sendable, Equatable {
    /// Path relative to the log directory.
    public var relativePath: String
    /// The run: the directory relative to the log directory, "." for the root.
    public var run: String
    /// Device, inode, size and modification time when last read.
    public var identity: FileIdentity
    /// How the file is stored.
    public var compression: CompressionFormat
    /// Offset after the last complete record (a re-read of a plain file
    /// starts here).
    public var validEnd: Int
    /// Bytes of an incomplete record after `validEnd`.
    public var truncatedBytes: Int
    /// Records that failed verification or decoding.
    public var corruptRecords: Int
    /// Bytes skipped while resynchronising after bad lengths.
    public var skippedBytes: Int
    /// Verified records.
    public var records: Int
    /// Summary values that claimed to be scalars but did not decode (each
    /// skipped alone; the rest of its event is kept).
    public var malformedValues: Int
    /// Tags in id order.
    public var tags: [TagInfo]
    /// Where the points are.
    package var chunks: [ChunkLocation]
    /// The bytes read so far, as a fingerprint (plain files; nil for
    /// compressed ones, which are read again whenever they change).
    package var fingerprint: PrefixFingerprint?

    /// Scalar points in the file.
    public var scalarCount: Int { chunks.reduce(0) { $0 + $1.pointCount } }
    /// Non-scalar points in the file.
    public var blobCount: Int { chunks.reduce(0) { $0 + $1.blobCount } }

    func encode(into encoder: inout IndexEncoder) {
        encoder.string(relativePath)
        encoder.string(run)
        encoder.varint(identity.device)
        encoder.varint(identity.inode)
        encoder.int(identity.size)
        encoder.signed(identity.modificationTimeNanoseconds)
        encoder.varint(UInt64(identity.modeBits))
        encoder.string(compression.rawValue)
        encoder.int(validEnd)
        encoder.int(truncatedBytes)
        encoder.int(corruptRecords)
        encoder.int(skippedBytes)
        encoder.int(records)
        encoder.int(malformedValues)
        encoder.varint(UInt64(tags.count))
        for tag in tags {
            encoder.string(tag.name)
            encoder.string(tag.pluginName)
            encoder.varint(UInt64(tag.dataClass.rawValue))
            encoder.int(tag.firstOffset)
            encoder.int(tag.scalarCount)
            encoder.int(tag.blobCount)
            encoder.varint(tag.scalarEncoding?.indexCode ?? 0)
        }
        encoder.varint(fingerprint == nil ? 0 : 1)
        if let fingerprint {
            encoder.varint(UInt64(fingerprint.head))
            encoder.varint(UInt64(fingerprint.tail))
        }
        encoder.varint(UInt64(chunks.count))
        for chunk in chunks {
            encoder.int(chunk.segmentOffset)
            encoder.int(chunk.segmentLength)
            encoder.int(chunk.pointCount)
            encoder.int(chunk.eventCount)
            encoder.int(chunk.blobCount)
            encoder.int(chunk.scalarEventCount)
            encoder.varint(UInt64(chunk.extremes.count))
            for extremes in chunk.extremes { extremes.encode(into: &encoder) }
        }
    }

    init(decoding decoder: inout IndexDecoder) throws(IndexDecodingError) {
        relativePath = try decoder.string()
        run = try decoder.string()
        let device = try decoder.varint()
        let inode = try decoder.varint()
        let size = try decoder.int()
        let mtime = try decoder.signed()
        let mode = UInt32(truncatingIfNeeded: try decoder.varint())
        identity = FileIdentity(device: device, inode: inode, size: size, modificationTimeNanoseconds: mtime, modeBits: mode)
        guard let compression = CompressionFormat(rawValue: try decoder.string()) else {
            throw IndexDecodingError(offset: decoder.position)
        }
        self.compression = compression
        validEnd = try decoder.int()
        truncatedBytes = try decoder.int()
        corruptRecords = try decoder.int()
        skippedBytes = try decoder.int()
        records = try decoder.int()
        malformedValues = try decoder.int()
        let tagCount = try decoder.count(minimumBytes: 7)
        tags = []
        tags.reserveCapacity(tagCount)
        for _ in 0 ..< tagCount {
            let name = try decoder.string()
            let plugin = try decoder.string()
            let dataClass = DataClass(rawValue: Int32(truncatingIfNeeded: try decoder.varint())) ?? .unknown
            tags.append(TagInfo(name: name, pluginName: plugin, dataClass: dataClass, firstOffset: try decoder.int(),
                                scalarCount: try decoder.int(), blobCount: try decoder.int(),
                                scalarEncoding: ScalarValue.Encoding(indexCode: try decoder.varint())))
        }
        switch try decoder.varint() {
        case 0: fingerprint = nil
        case 1:
            let head = try decoder.varint(), tail = try decoder.varint()
            guard head <= UInt64(UInt32.max), tail <= UInt64(UInt32.max) else { throw IndexDecodingError(offset: decoder.position) }
            fingerprint = PrefixFingerprint(head: UInt32(head), tail: UInt32(tail))
        default: throw IndexDecodingError(offset: decoder.position)
        }
        let chunkCount = try decoder.count(minimumBytes: 4)
        chunks = []
        for _ in 0 ..< chunkCount {
            let offset = try decoder.int(), length = try decoder.int(), points = try decoder.int()
            let events = try decoder.int(), blobs = try decoder.int(), scalarEvents = try decoder.int()
            let extremesCount = try decoder.count(minimumBytes: 21)  // smallest encoding of one entry
            var extremes: [TagExtremes] = []
            for _ in 0 ..< extremesCount {
                let entry = try TagExtremes(decoding: &decoder)
                guard Int(entry.tag) < tags.count, entry.minIndex < points, entry.maxIndex < points else {
                    throw IndexDecodingError(offset: decoder.position)
                }
                extremes.append(entry)
            }
            chunks.append(ChunkLocation(segmentOffset: offset, segmentLength: length, pointCount: points,
                                        eventCount: events, blobCount: blobs, scalarEventCount: scalarEvents,
                                        extremes: extremes))
        }
    }

    init(relativePath: String, run: String, identity: FileIdentity) {
        self.relativePath = relativePath
        self.run = run
        self.identity = identity
        compression = .none
        validEnd = 0
        truncatedBytes = 0
        corruptRecords = 0
        skippedBytes = 0
        records = 0
        malformedValues = 0
        tags = []
        chunks = []
        fingerprint = nil
    }
}
