/// One `Summary.Value` of an event, borrowed from the record (FORMAT §3.3).
///
/// Only the field boundaries are decoded; the tag, metadata and the
/// value's payload stay bytes until asked for. Non-escapable: it borrows
/// the record it came from.
public struct SummaryValueView: ~Escapable, BitwiseCopyable {
    /// Which member of the `Summary.Value.value` oneof is set.
    public enum Kind: UInt8, Sendable, Hashable, BitwiseCopyable, CustomStringConvertible {
        /// No value member (metadata only).
        case none = 0
        /// `simple_value` (2), a float32.
        case simpleValue = 2
        /// `obsolete_old_style_histogram` (3).
        case obsoleteHistogram = 3
        /// `image` (4).
        case image = 4
        /// `histo` (5).
        case histogram = 5
        /// `audio` (6).
        case audio = 6
        /// `tensor` (8).
        case tensor = 8

        /// The proto field name.
        public var description: String {
            switch self {
            case .none: return "none"
            case .simpleValue: return "simple_value"
            case .obsoleteHistogram: return "obsolete_old_style_histogram"
            case .image: return "image"
            case .histogram: return "histo"
            case .audio: return "audio"
            case .tensor: return "tensor"
            }
        }
    }

    /// The oneof member present.
    public private(set) var kind: Kind = .none
    /// The tag's UTF-8 bytes, borrowed.
    public private(set) var tagBytes: RawSpan
    /// The serialized `SummaryMetadata`, borrowed (empty when absent).
    public private(set) var metadataBytes: RawSpan
    /// The bytes of the value member (the serialized tensor, image,
    /// histogram or audio message), borrowed; empty for `simple_value`.
    public private(set) var memberBytes: RawSpan
    @usableFromInline package private(set) var simpleValueBits: UInt32 = 0
    /// Whether the value carries `metadata` (field 9).
    public private(set) var hasMetadata = false

    /// Decodes the field boundaries of one `Summary.Value`.
    @_lifetime(copy bytes)
    package init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        self.init(empty: bytes)
        if Self.decodeShortForm(bytes, into: &self) { return }
        try self.init(decodingGeneral: bytes)
    }

    /// Decodes with the general protobuf reader only (the reference the
    /// short form is tested against).
    @_lifetime(copy bytes)
    package init(decodingGeneral bytes: RawSpan) throws(ProtoDecodingError) {
        self.init(empty: bytes)
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            // Raw keys: (field << 3) | wire type.
            let key = try reader.readRawKey()
            switch key {
            case 0x0A:  // 1 tag, length-delimited
                tagBytes = try reader.readLengthDelimited()
            case 0x15:  // 2 simple_value, fixed32
                simpleValueBits = try reader.readFixed32()
                kind = .simpleValue
            case 0x1A, 0x22, 0x2A, 0x32, 0x42:  // 3 old histo, 4 image, 5 histo, 6 audio, 8 tensor
                memberBytes = try reader.readLengthDelimited()
                kind = Kind(rawValue: UInt8(truncatingIfNeeded: key >> 3)) ?? .none
            case 0x4A:  // 9 metadata
                metadataBytes = try reader.readLengthDelimited()
                hasMetadata = true
            default:
                try reader.skipField(raw: key)
            }
        }
    }

    /// An empty view (kind `.none`), to be filled by
    /// ``SummaryValues/next(into:)``.
    @_lifetime(immortal)
    public init() {
        tagBytes = RawSpan()
        metadataBytes = RawSpan()
        memberBytes = RawSpan()
    }

    /// An empty view whose (empty) spans borrow from `bytes`.
    @_lifetime(copy bytes)
    private init(empty bytes: RawSpan) {
        tagBytes = bytes.extracting(first: 0)
        metadataBytes = tagBytes
        memberBytes = tagBytes
    }

    /// A value in short form, or nil (see ``decodeShortForm(_:into:)``).
    @inline(__always)
    @_lifetime(copy bytes)
    package init?(shortForm bytes: RawSpan) {
        self.init(empty: bytes)
        guard Self.decodeShortForm(bytes, into: &self) else { return nil }
    }

    /// The form every writer produces for small values (see
    /// ``ShortForm/summaryValue(start:end:)``). Returns false (leaving
    /// `view` to be overwritten) for anything else, which the general loop
    /// then decodes.
    @inline(__always)
    @_lifetime(view: copy bytes)
    package static func decodeShortForm(_ bytes: RawSpan, into view: inout SummaryValueView) -> Bool {
        let wire = ShortForm(bytes)
        guard let parts = wire.summaryValue(start: 0, end: bytes.byteCount) else { return false }
        view.assign(parts, spans: wire.spans(of: parts))
        return true
    }

    /// Takes the parts of a short-form value and their spans.
    @inline(__always)
    @_lifetime(self: copy spans)
    package mutating func assign(_ parts: ShortSummaryValue, spans: (tag: RawSpan, member: RawSpan, metadata: RawSpan)) {
        (tagBytes, memberBytes, metadataBytes) = spans
        // A switch the optimiser keeps inline (`init(rawValue:)` was a call).
        switch parts.kind {
        case 2: kind = .simpleValue
        case 3: kind = .obsoleteHistogram
        case 4: kind = .image
        case 5: kind = .histogram
        case 6: kind = .audio
        case 8: kind = .tensor
        default: kind = .none
        }
        simpleValueBits = parts.simpleValueBits
        hasMetadata = parts.hasMetadata
    }

    /// The tag. Allocates when longer than 15 UTF-8 bytes.
    public var tag: String { tagBytes.utf8String }

    /// Whether the tag equals `tag`, without creating a `String`.
    public func tagEquals(_ tag: String) -> Bool {
        tagBytes.bytesEqual(utf8: tag)
    }

    /// The decoded metadata (empty when absent).
    ///
    /// - Throws: ``ProtoDecodingError`` when the metadata bytes are malformed.
    public func metadata() throws(ProtoDecodingError) -> SummaryMetadata {
        hasMetadata ? try SummaryMetadata(decoding: metadataBytes) : SummaryMetadata()
    }

    /// The value as a scalar per FORMAT §4.2, or nil when it is not one.
    ///
    /// - Parameter requireRankZero: accept tensors of rank 0 only (as
    ///   rustboard does); by default any shape with one element is accepted.
    /// - Throws: ``ProtoDecodingError`` when the tensor bytes are malformed.
    ///
    /// Inlined into the caller for `simple_value`, the most common scalar:
    /// called across a module boundary, the view was first copied through
    /// memory that ``SummaryValues/next(into:)`` had just written field by
    /// field, a store-forwarding stall per value (half of the best-model
    /// tracker's time in perf).
    @inlinable
    public func scalar(requireRankZero: Bool = false) throws(ProtoDecodingError) -> ScalarValue? {
        if kind == .simpleValue {
            return ScalarValue(value: Double(Float(bitPattern: simpleValueBits)), encoding: .simpleValue)
        }
        return try otherScalar(requireRankZero: requireRankZero)
    }

    /// The scalar of `tensor` when it is exactly what TF2's
    /// `tf.summary.scalar` writes, `08 01 12 00 22 04 <f32>` (dtype
    /// DT_FLOAT, an empty shape, 4 content bytes); nil for anything else,
    /// which ``TensorScalar/decode(_:requireRankZero:)`` then reads.
    @inline(__always)
    static func plainFloatTensor(_ tensor: RawSpan) -> ScalarValue? {
        let bytes = ShortForm(tensor)
        guard bytes.count == 10, bytes.fixed32(at: 0) == 0x0012_0108, bytes.fixed16(at: 4) == 0x0422,
              let bits = bytes.fixed32(at: 6) else { return nil }
        return ScalarValue(value: Double(Float(bitPattern: bits)), encoding: .tensor(.float, fromContent: true))
    }

    /// ``scalar(requireRankZero:)`` for every kind but `simple_value`.
    @usableFromInline
    func otherScalar(requireRankZero: Bool) throws(ProtoDecodingError) -> ScalarValue? {
        switch kind {
        case .simpleValue:
            return ScalarValue(value: Double(Float(bitPattern: simpleValueBits)), encoding: .simpleValue)
        case .tensor:
            if let scalar = Self.plainFloatTensor(memberBytes) { return scalar }
            return try TensorScalar.decode(memberBytes, requireRankZero: requireRankZero)
        default:
            return nil
        }
    }
}
