import TFRecord

/// What one summary value of the HParams plugin holds: the
/// `HParamsPluginData` in its metadata's `plugin_data.content`
/// (tensorboard/plugins/hparams/plugin_data.proto). The values are written
/// under the tags `_hparams_/experiment`, `_hparams_/session_start_info` and
/// `_hparams_/session_end_info`, with an empty tensor; everything is in the
/// metadata.
public enum HParamsPluginData: Sendable, Hashable {
    /// `experiment` (2).
    case experiment(HParamsExperiment)
    /// `session_start_info` (3).
    case sessionStart(SessionStartInfo)
    /// `session_end_info` (4).
    case sessionEnd(SessionEndInfo)

    /// The plugin's name in `plugin_data.plugin_name`.
    public static let pluginName = "hparams"

    /// The content of a value's metadata when its plugin is `hparams`,
    /// decoded; nil for other plugins, a version other than 0 (the only
    /// one TensorBoard reads) or no member set.
    ///
    /// - Throws: ``ProtoDecodingError`` when the metadata or content is
    ///   malformed (offsets are relative to the part being decoded).
    public init?(metadata value: borrowing SummaryValueView) throws(ProtoDecodingError) {
        guard value.hasMetadata else { return nil }
        try self.init(metadataBytes: value.metadataBytes)
    }

    /// ``init(metadata:)`` over the serialized `SummaryMetadata`.
    package init?(metadataBytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(metadataBytes)
        var isHParams = false
        var content = metadataBytes.extracting(first: 0)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            guard key.number == 1, key.wireType == .lengthDelimited else {
                try reader.skipField(key)
                continue
            }
            var plugin = ProtoReader(try reader.readLengthDelimited())
            while !plugin.isAtEnd {
                let field = try plugin.readKey()
                switch (field.number, field.wireType) {
                case (1, .lengthDelimited): isHParams = try plugin.readLengthDelimited().bytesEqual(utf8: Self.pluginName)
                case (2, .lengthDelimited): content = try plugin.readLengthDelimited()
                default: try plugin.skipField(field)
                }
            }
        }
        guard isHParams else { return nil }
        try self.init(content: content)
    }

    /// Decodes a serialized `HParamsPluginData`; nil for a version other
    /// than 0 or no member.
    public init?(content: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(content)
        var version: UInt64 = 0
        var data: HParamsPluginData?
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .varint): version = try reader.readVarint()
            case (2, .lengthDelimited): data = .experiment(try HParamsExperiment(decoding: try reader.readLengthDelimited()))
            case (3, .lengthDelimited): data = .sessionStart(try SessionStartInfo(decoding: try reader.readLengthDelimited()))
            case (4, .lengthDelimited): data = .sessionEnd(try SessionEndInfo(decoding: try reader.readLengthDelimited()))
            default: try reader.skipField(key)
            }
        }
        guard version == 0, let data else { return nil }
        self = data
    }
}
