import TFRecord

/// `SummaryMetadata.DataClass` (FORMAT §3.3): how TensorBoard stores a series.
public enum DataClass: Int32, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Not set.
    case unknown = 0
    /// A scalar time series.
    case scalar = 1
    /// A tensor time series (histograms, text, ...).
    case tensor = 2
    /// A sequence of blobs (images, audio).
    case blobSequence = 3

    /// `DATA_CLASS_SCALAR`, ...
    public var description: String {
        switch self {
        case .unknown: return "DATA_CLASS_UNKNOWN"
        case .scalar: return "DATA_CLASS_SCALAR"
        case .tensor: return "DATA_CLASS_TENSOR"
        case .blobSequence: return "DATA_CLASS_BLOB_SEQUENCE"
        }
    }
}

/// The decoded `SummaryMetadata` of a value: plugin name, data class and
/// display name. Some writers attach it only to a tag's first value.
public struct SummaryMetadata: Hashable, Sendable, Codable {
    /// `plugin_data.plugin_name`: "scalars", "histograms", "images", "text", ...
    public var pluginName: String = ""
    /// `data_class` (unknown when absent or unrecognised).
    public var dataClass: DataClass = .unknown
    /// `display_name`.
    public var displayName: String = ""

    /// Empty metadata.
    public init() {}

    /// Decodes a `SummaryMetadata` message.
    package init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .lengthDelimited):
                var plugin = ProtoReader(try reader.readLengthDelimited())
                while !plugin.isAtEnd {
                    let pluginKey = try plugin.readKey()
                    if pluginKey.number == 1, pluginKey.wireType == .lengthDelimited {
                        pluginName = try plugin.readLengthDelimited().utf8String
                    } else {
                        try plugin.skipField(pluginKey)
                    }
                }
            case (2, .lengthDelimited):
                displayName = try reader.readLengthDelimited().utf8String
            case (4, .varint):
                dataClass = DataClass(rawValue: Int32(truncatingIfNeeded: try reader.readVarint())) ?? .unknown
            default:
                try reader.skipField(key)
            }
        }
    }
}
