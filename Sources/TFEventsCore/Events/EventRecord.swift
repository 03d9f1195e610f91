/// An `Event` to be written: the value-type mirror of `event.proto` (FORMAT §3.2–3.4).
///
/// Reading uses borrowed views (``EventView``); writing needs owned values,
/// and these types hold exactly what ``EventEncoder`` needs to reproduce
/// TensorFlow's bytes, field presence included (an empty `tensor_shape` is
/// written by TF2 `tf.summary.scalar` but not by PyTorch, so ``Tensor/shape``
/// is optional rather than an empty array).
///
/// ```swift
/// let event = EventRecord(wallTime: 1_600_000_000.5, step: 1000, what: .summary([
///     .scalar(tag: "loss", 0.25, style: .simpleValue),
///     .scalar(tag: "accuracy", 0.75, style: .simpleValue),
/// ]))
/// let payload = EventEncoder.encoded(event)   // FORMAT §1.4 record R3's payload
/// ```
public struct EventRecord: Hashable, Sendable {
    /// `wall_time` (1), seconds since the epoch. Omitted on the wire when 0.
    public var wallTime: Double
    /// `step` (2). Omitted on the wire when 0.
    public var step: Int64
    /// The member of the `what` oneof, or nil for none.
    public var what: What?
    /// `source_metadata.writer` (10), set by TensorBoard's Python writer;
    /// nil for no `source_metadata`.
    public var sourceWriter: String?

    /// An event.
    public init(wallTime: Double, step: Int64 = 0, what: What?, sourceWriter: String? = nil) {
        self.wallTime = wallTime
        self.step = step
        self.what = what
        self.sourceWriter = sourceWriter
    }

    /// The `Event.what` oneof. The field number of each member is given.
    public enum What: Hashable, Sendable {
        /// `file_version` (3), `"brain.Event:2"` for every current writer.
        case fileVersion(String)
        /// `graph_def` (4): a serialized GraphDef, written as given.
        case graphDef([UInt8])
        /// `summary` (5): the values of one `Summary`, in order.
        case summary([Value])
        /// `log_message` (6, deprecated): `level` is a `LogMessage.Level` number.
        case logMessage(level: Int32, message: String)
        /// `session_log` (7).
        case sessionLog(status: SessionLog.Status, checkpointPath: String = "", message: String = "")
        /// `tagged_run_metadata` (8): a tag and a serialized RunMetadata.
        case taggedRunMetadata(tag: String, runMetadata: [UInt8])
        /// `meta_graph_def` (9): a serialized MetaGraphDef, written as given.
        case metaGraphDef([UInt8])
    }

    /// One `Summary.Value` (FORMAT §3.3).
    public struct Value: Hashable, Sendable {
        /// `tag` (1).
        public var tag: String
        /// `node_name` (7, legacy); omitted when empty.
        public var nodeName: String
        /// `metadata` (9), or nil for none.
        public var metadata: Metadata?
        /// The `value` oneof member.
        public var value: Payload

        /// A summary value.
        public init(tag: String, nodeName: String = "", metadata: Metadata? = nil, value: Payload) {
            self.tag = tag
            self.nodeName = nodeName
            self.metadata = metadata
            self.value = value
        }

        /// The `Summary.Value.value` oneof. A member is written even when its
        /// value is zero (oneof members have presence): `simple_value = 0`
        /// is `15 00 00 00 00` on the wire.
        public enum Payload: Hashable, Sendable {
            /// No member (a value with metadata only).
            case none
            /// `simple_value` (2), a float32.
            case simpleValue(Float)
            /// `obsolete_old_style_histogram` (3), bytes as given.
            case obsoleteHistogram([UInt8])
            /// `image` (4).
            case image(Image)
            /// `histo` (5).
            case histogram(Histogram)
            /// `audio` (6).
            case audio(Audio)
            /// `tensor` (8).
            case tensor(Tensor)
        }
    }

    /// `SummaryMetadata` (FORMAT §3.3).
    public struct Metadata: Hashable, Sendable {
        /// `plugin_data` (1), or nil for none.
        public var pluginData: PluginData?
        /// `display_name` (2); omitted when empty.
        public var displayName: String
        /// `summary_description` (3); omitted when empty.
        public var summaryDescription: String
        /// `data_class` (4); omitted when unknown (0).
        public var dataClass: DataClass

        /// Summary metadata.
        public init(pluginData: PluginData? = nil, displayName: String = "", summaryDescription: String = "",
                    dataClass: DataClass = .unknown) {
            self.pluginData = pluginData
            self.displayName = displayName
            self.summaryDescription = summaryDescription
            self.dataClass = dataClass
        }

        /// What TF2 `tf.summary.scalar` attaches to every point:
        /// `plugin_data { plugin_name: "scalars" }` (the content, a serialized
        /// `ScalarPluginData{version=0}`, is empty), no data class.
        public static let tf2Scalars = Metadata(pluginData: PluginData(name: "scalars"))
    }

    /// `SummaryMetadata.PluginData`.
    public struct PluginData: Hashable, Sendable {
        /// `plugin_name` (1); omitted when empty.
        public var name: String
        /// `content` (2), plugin-specific bytes; omitted when empty.
        public var content: [UInt8]

        /// Plugin data.
        public init(name: String, content: [UInt8] = []) {
            self.name = name
            self.content = content
        }
    }

    /// `TensorProto` (FORMAT §3.4).
    public struct Tensor: Hashable, Sendable {
        /// `dtype` (1); omitted when `DT_INVALID`.
        public var dtype: DataType
        /// `tensor_shape` (2), or nil to leave it out. `Shape()` (rank 0) is
        /// written as the empty message `12 00`.
        public var shape: Shape?
        /// `version_number` (3); omitted when 0.
        public var versionNumber: Int32
        /// Where the elements are.
        public var content: Content

        /// A tensor.
        public init(dtype: DataType, shape: Shape? = Shape(), versionNumber: Int32 = 0, content: Content) {
            self.dtype = dtype
            self.shape = shape
            self.versionNumber = versionNumber
            self.content = content
        }

        /// `TensorShapeProto`.
        public struct Shape: Hashable, Sendable {
            /// `dim` (2), outermost first. Empty for rank 0.
            public var dimensions: [Dimension]
            /// `unknown_rank` (3); omitted when false.
            public var unknownRank: Bool

            /// A shape of the given sizes (unnamed dimensions).
            public init(_ sizes: [Int64] = [], unknownRank: Bool = false) {
                dimensions = sizes.map { Dimension(size: $0) }
                self.unknownRank = unknownRank
            }

            /// A shape of named dimensions.
            public init(dimensions: [Dimension], unknownRank: Bool = false) {
                self.dimensions = dimensions
                self.unknownRank = unknownRank
            }
        }

        /// `TensorShapeProto.Dim`.
        public struct Dimension: Hashable, Sendable {
            /// `size` (1); -1 for unknown; omitted when 0.
            public var size: Int64
            /// `name` (2); omitted when empty.
            public var name: String

            /// A dimension.
            public init(size: Int64, name: String = "") {
                self.size = size
                self.name = name
            }
        }

        /// The representation of the elements. Each case names its field;
        /// packed lists are omitted when empty.
        public enum Content: Hashable, Sendable {
            /// No elements.
            case none
            /// `tensor_content` (4): raw little-endian element bytes.
            case tensorContent([UInt8])
            /// `float_val` (5), packed.
            case floatValues([Float])
            /// `double_val` (6), packed.
            case doubleValues([Double])
            /// `int_val` (7), packed (sign-extended to 64 bits on the wire).
            case int32Values([Int32])
            /// `string_val` (8), one field per element (bytes are never packed).
            case stringValues([[UInt8]])
            /// `scomplex_val` (9), packed (re, im) pairs.
            case complex64Values([Float])
            /// `int64_val` (10), packed.
            case int64Values([Int64])
            /// `bool_val` (11), packed.
            case boolValues([Bool])
            /// `dcomplex_val` (12), packed (re, im) pairs.
            case complex128Values([Double])
            /// `half_val` (13), packed: binary16/bfloat16 bit patterns.
            case halfValues([UInt16])
            /// `uint32_val` (16), packed.
            case uint32Values([UInt32])
            /// `uint64_val` (17), packed.
            case uint64Values([UInt64])
        }
    }

    /// `HistogramProto`. Zero doubles are omitted; bucket lists are packed.
    public struct Histogram: Hashable, Sendable {
        /// `min` (1).
        public var min: Double
        /// `max` (2).
        public var max: Double
        /// `num` (3): the number of values.
        public var num: Double
        /// `sum` (4).
        public var sum: Double
        /// `sum_squares` (5).
        public var sumSquares: Double
        /// `bucket_limit` (6): the right edge of each bucket.
        public var bucketLimits: [Double]
        /// `bucket` (7): the count in each bucket.
        public var buckets: [Double]

        /// A histogram.
        public init(min: Double, max: Double, num: Double, sum: Double, sumSquares: Double,
                    bucketLimits: [Double], buckets: [Double]) {
            self.min = min
            self.max = max
            self.num = num
            self.sum = sum
            self.sumSquares = sumSquares
            self.bucketLimits = bucketLimits
            self.buckets = buckets
        }
    }

    /// `Summary.Image`. Zero sizes are omitted.
    public struct Image: Hashable, Sendable {
        /// `height` (1).
        public var height: Int32
        /// `width` (2).
        public var width: Int32
        /// `colorspace` (3): 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA, ...
        public var colorspace: Int32
        /// `encoded_image_string` (4): PNG or JPEG bytes.
        public var encoded: [UInt8]

        /// An image.
        public init(height: Int32, width: Int32, colorspace: Int32, encoded: [UInt8]) {
            self.height = height
            self.width = width
            self.colorspace = colorspace
            self.encoded = encoded
        }
    }

    /// `Summary.Audio`. Zero values are omitted.
    public struct Audio: Hashable, Sendable {
        /// `sample_rate` (1), Hz.
        public var sampleRate: Float
        /// `num_channels` (2).
        public var channelCount: Int64
        /// `length_frames` (3).
        public var frameCount: Int64
        /// `encoded_audio_string` (4).
        public var encoded: [UInt8]
        /// `content_type` (5), for example `audio/wav`.
        public var contentType: String

        /// An audio clip.
        public init(sampleRate: Float, channelCount: Int64, frameCount: Int64, encoded: [UInt8], contentType: String) {
            self.sampleRate = sampleRate
            self.channelCount = channelCount
            self.frameCount = frameCount
            self.encoded = encoded
            self.contentType = contentType
        }
    }
}

// MARK: - Scalars as real writers encode them

extension EventRecord {
    /// How a writer encodes one scalar point (FORMAT §4.1).
    public enum ScalarStyle: Hashable, Sendable, CaseIterable {
        /// TF1 summaries, Estimator evaluation, tensorboardX/PyTorch default:
        /// `simple_value` (float32), no metadata.
        case simpleValue
        /// TF2 `tf.summary.scalar`: a `DT_FLOAT` tensor with an empty (present)
        /// `tensor_shape`, the value as 4 bytes of `tensor_content`, and
        /// metadata ``Metadata/tf2Scalars`` on every point.
        case tf2Tensor
        /// TensorBoard's `scalar_pb`: like ``tf2Tensor`` but the value is
        /// one `float_val`.
        case floatValueTensor
    }

    /// The file's first event, as TensorFlow writes it:
    /// `wall_time`, `file_version = "brain.Event:2"` (FORMAT §5.2).
    public static func fileVersion(wallTime: Double, version: String = "brain.Event:2") -> EventRecord {
        EventRecord(wallTime: wallTime, what: .fileVersion(version))
    }

    /// A summary event of scalar points, each encoded in `style`.
    public static func scalars(wallTime: Double, step: Int64, _ points: [(tag: String, value: Float)],
                               style: ScalarStyle) -> EventRecord {
        EventRecord(wallTime: wallTime, step: step,
                    what: .summary(points.map { Value.scalar(tag: $0.tag, $0.value, style: style) }))
    }
}

extension EventRecord.Value {
    /// One scalar point encoded the way the writer of `style` does.
    public static func scalar(tag: String, _ value: Float, style: EventRecord.ScalarStyle) -> EventRecord.Value {
        switch style {
        case .simpleValue:
            return EventRecord.Value(tag: tag, value: .simpleValue(value))
        case .tf2Tensor:
            let bits = value.bitPattern
            let content: [UInt8] = [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                                    UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
            return EventRecord.Value(tag: tag, metadata: .tf2Scalars,
                                     value: .tensor(.init(dtype: .float, content: .tensorContent(content))))
        case .floatValueTensor:
            return EventRecord.Value(tag: tag, metadata: .tf2Scalars,
                                     value: .tensor(.init(dtype: .float, content: .floatValues([value]))))
        }
    }
}
