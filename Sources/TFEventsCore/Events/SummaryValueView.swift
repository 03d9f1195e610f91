/// One `Summary.Value` of an event, borrowed from the record (SPEC C.3).
///
/// Only the field boundaries are decoded; the tag, metadata and the
/// value's payload stay bytes until asked for. Valid as long as the record
/// it came from.
public struct SummaryValueView {
    /// Which member of the `Summary.Value.value` oneof is set.
    public enum Kind: UInt8, Sendable, Hashable, CustomStringConvertible {
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
    public internal(set) var kind: Kind = .none
    package var tagBytes = UnsafeRawBufferPointer(start: nil, count: 0)
    package var metadataBytes = UnsafeRawBufferPointer(start: nil, count: 0)
    package var memberBytes = UnsafeRawBufferPointer(start: nil, count: 0)
    package var simpleValueBits: UInt32 = 0
    /// Whether the value carries `metadata` (field 9).
    public internal(set) var hasMetadata = false

    /// Decodes the field boundaries of one `Summary.Value`.
    package init(decoding bytes: UnsafeRawBufferPointer) throws(ProtoDecodingError) {
        var view = SummaryValueView()
        if Self.decodeShortForm(bytes, into: &view) {
            self = view
            return
        }
        try self.init(decodingGeneral: bytes)
    }

    /// Decodes with the general protobuf reader only (the reference the
    /// short form is tested against).
    package init(decodingGeneral bytes: UnsafeRawBufferPointer) throws(ProtoDecodingError) {
        self.init()
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
    public init() {}

    /// Clears every field (for reuse by ``SummaryValues/next(into:)``).
    @inline(__always)
    mutating func reset() {
        kind = .none
        tagBytes = UnsafeRawBufferPointer(start: nil, count: 0)
        metadataBytes = tagBytes
        memberBytes = tagBytes
        simpleValueBits = 0
        hasMetadata = false
    }

    /// A value in short form, or nil (see ``decodeShortForm(_:into:)``).
    @inline(__always)
    package init?(shortForm bytes: UnsafeRawBufferPointer) {
        var view = SummaryValueView()
        guard Self.decodeShortForm(bytes, into: &view) else { return nil }
        self = view
    }

    /// The form every writer produces for small values, decoded with one
    /// local cursor: the tag first, then only known fields whose lengths fit
    /// in one byte. Returns false (leaving `view` to be overwritten) for
    /// anything else, which the general loop then decodes.
    @inline(__always)
    package static func decodeShortForm(_ bytes: UnsafeRawBufferPointer, into view: inout SummaryValueView) -> Bool {
        let count = bytes.count
        guard count >= 2, let base = bytes.baseAddress,
              base.load(as: UInt8.self) == 0x0A else { return false }
        let tagLength = Int(base.load(fromByteOffset: 1, as: UInt8.self))
        guard tagLength < 0x80, 2 + tagLength <= count else { return false }
        view.tagBytes = UnsafeRawBufferPointer(start: base + 2, count: tagLength)
        var p = 2 + tagLength
        while p < count {
            let key = base.load(fromByteOffset: p, as: UInt8.self)
            if key == 0x15 {  // simple_value
                guard p + 5 <= count else { return false }
                view.simpleValueBits = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p + 1, as: UInt32.self))
                view.kind = .simpleValue
                p += 5
                continue
            }
            guard p + 2 <= count else { return false }
            let length = Int(base.load(fromByteOffset: p + 1, as: UInt8.self))
            guard length < 0x80, p + 2 + length <= count else { return false }
            let field = UnsafeRawBufferPointer(start: base + p + 2, count: length)
            switch key {
            case 0x1A, 0x22, 0x2A, 0x32, 0x42:  // value members
                view.memberBytes = field
                view.kind = Kind(rawValue: key >> 3) ?? .none
            case 0x4A:
                view.metadataBytes = field
                view.hasMetadata = true
            default:
                return false
            }
            p += 2 + length
        }
        return true
    }

    /// The tag. Allocates when longer than 15 UTF-8 bytes.
    public var tag: String { tagBytes.utf8String }

    /// Lends the tag's UTF-8 bytes without copying.
    public func withTagBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(tagBytes)
    }

    /// Whether the tag equals `tag`, without creating a `String`.
    public func tagEquals(_ tag: String) -> Bool {
        var tag = tag
        return tag.withUTF8 { utf8 in utf8.elementsEqual(tagBytes) }
    }

    /// The decoded metadata (empty when absent).
    ///
    /// - Throws: ``ProtoDecodingError`` when the metadata bytes are malformed.
    public func metadata() throws(ProtoDecodingError) -> SummaryMetadata {
        hasMetadata ? try SummaryMetadata(decoding: metadataBytes) : SummaryMetadata()
    }

    /// Lends the bytes of the value member (the serialized tensor, image,
    /// histogram or audio message) without copying.
    public func withMemberBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(memberBytes)
    }

    /// The value as a scalar per SPEC D.3, or nil when it is not one.
    ///
    /// - Parameter requireRankZero: accept tensors of rank 0 only (as
    ///   rustboard does); by default any shape with one element is accepted.
    /// - Throws: ``ProtoDecodingError`` when the tensor bytes are malformed.
    public func scalar(requireRankZero: Bool = false) throws(ProtoDecodingError) -> ScalarValue? {
        switch kind {
        case .simpleValue:
            return ScalarValue(value: Double(Float(bitPattern: simpleValueBits)), encoding: .simpleValue)
        case .tensor:
            // TF2 tf.summary.scalar writes exactly `08 01 12 00 22 04 <f32>`:
            // dtype DT_FLOAT, an empty shape, 4 content bytes.
            if memberBytes.count == 10, let base = memberBytes.baseAddress,
               base.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x0012_0108),
               base.loadUnaligned(fromByteOffset: 4, as: UInt16.self) == UInt16(littleEndian: 0x0422) {
                let bits = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 6, as: UInt32.self))
                return ScalarValue(value: Double(Float(bitPattern: bits)), encoding: .tensor(.float, fromContent: true))
            }
            return try TensorScalar.decode(memberBytes, requireRankZero: requireRankZero)
        default:
            return nil
        }
    }
}
