import TFRecord

/// The HParams plugin's `Experiment`: which hyperparameters and metrics a
/// sweep has (tensorboard/plugins/hparams/api.proto). TensorFlow's
/// `hp.hparams_config` writes it once; tensorboardX and PyTorch write one
/// beside every session.
public struct HParamsExperiment: Sendable, Hashable {
    /// `name` (6).
    public var name = ""
    /// `description` (1).
    public var description = ""
    /// `user` (2).
    public var user = ""
    /// `time_created_secs` (3).
    public var timeCreated: Double = 0
    /// `hparam_infos` (4), in file order.
    public var hparams: [HParamInfo] = []
    /// `metric_infos` (5), in file order.
    public var metrics: [MetricInfo] = []

    /// An empty experiment.
    public init() {}

    init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (6, .lengthDelimited): name = try reader.readLengthDelimited().utf8String
            case (1, .lengthDelimited): description = try reader.readLengthDelimited().utf8String
            case (2, .lengthDelimited): user = try reader.readLengthDelimited().utf8String
            case (3, .fixed64): timeCreated = Double(bitPattern: try reader.readFixed64())
            case (4, .lengthDelimited): hparams.append(try HParamInfo(decoding: try reader.readLengthDelimited()))
            case (5, .lengthDelimited): metrics.append(try MetricInfo(decoding: try reader.readLengthDelimited()))
            default: try reader.skipField(key)
            }
        }
    }
}

/// One hyperparameter of an experiment (`HParamInfo`).
public struct HParamInfo: Sendable, Hashable {
    /// The type a hyperparameter's values have (`DataType`).
    public enum ValueType: Int32, Sendable, Hashable, CustomStringConvertible {
        /// `DATA_TYPE_UNSET`.
        case unset = 0
        /// `DATA_TYPE_STRING`.
        case string = 1
        /// `DATA_TYPE_BOOL`.
        case bool = 2
        /// `DATA_TYPE_FLOAT64`.
        case float64 = 3

        /// `string`, `bool`, `float64`, `unset`.
        public var description: String {
            switch self {
            case .unset: return "unset"
            case .string: return "string"
            case .bool: return "bool"
            case .float64: return "float64"
            }
        }
    }

    /// The values a hyperparameter may take.
    public enum Domain: Sendable, Hashable {
        /// `domain_discrete` (5): these values.
        case discrete([HParamValue])
        /// `domain_interval` (6): from `min` to `max`.
        case interval(min: Double, max: Double)
    }

    /// `name` (1).
    public var name = ""
    /// `display_name` (2).
    public var displayName = ""
    /// `description` (3).
    public var description = ""
    /// `type` (4).
    public var type = ValueType.unset
    /// The domain, when given.
    public var domain: Domain?

    /// A hyperparameter named `name`, of unset type and no domain.
    public init(name: String) { self.name = name }

    init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .lengthDelimited): name = try reader.readLengthDelimited().utf8String
            case (2, .lengthDelimited): displayName = try reader.readLengthDelimited().utf8String
            case (3, .lengthDelimited): description = try reader.readLengthDelimited().utf8String
            case (4, .varint): type = ValueType(rawValue: Int32(truncatingIfNeeded: try reader.readVarint())) ?? .unset
            case (5, .lengthDelimited):
                domain = .discrete(try HParamValue.list(decoding: try reader.readLengthDelimited(), depth: 1))
            case (6, .lengthDelimited):
                var interval = ProtoReader(try reader.readLengthDelimited())
                var bounds = (min: 0.0, max: 0.0)
                while !interval.isAtEnd {
                    let field = try interval.readKey()
                    switch (field.number, field.wireType) {
                    case (1, .fixed64): bounds.min = Double(bitPattern: try interval.readFixed64())
                    case (2, .fixed64): bounds.max = Double(bitPattern: try interval.readFixed64())
                    default: try interval.skipField(field)
                    }
                }
                domain = .interval(min: bounds.min, max: bounds.max)
            default: try reader.skipField(key)
            }
        }
    }
}

/// One metric of an experiment (`MetricInfo`): the scalar `tag` in the run
/// `<session>/<group>` (the session's own run when `group` is empty).
public struct MetricInfo: Sendable, Hashable {
    /// `name.group`: the metric's run relative to the session's.
    public var group = ""
    /// `name.tag`: the scalar's tag.
    public var tag = ""
    /// `display_name` (3).
    public var displayName = ""
    /// `description` (4).
    public var description = ""
    /// `dataset_type` (5): 0 unknown, 1 training, 2 validation.
    public var datasetType: Int32 = 0

    /// The metric `tag` in the run `group` below the session.
    public init(group: String = "", tag: String) {
        self.group = group
        self.tag = tag
    }

    /// `group/tag`, or `tag` when the group is empty: the metric's path
    /// relative to its session.
    public var path: String { group.isEmpty ? tag : group + "/" + tag }

    init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .lengthDelimited):
                var name = ProtoReader(try reader.readLengthDelimited())
                while !name.isAtEnd {
                    let field = try name.readKey()
                    switch (field.number, field.wireType) {
                    case (1, .lengthDelimited): group = try name.readLengthDelimited().utf8String
                    case (2, .lengthDelimited): tag = try name.readLengthDelimited().utf8String
                    default: try name.skipField(field)
                    }
                }
            case (3, .lengthDelimited): displayName = try reader.readLengthDelimited().utf8String
            case (4, .lengthDelimited): description = try reader.readLengthDelimited().utf8String
            case (5, .varint): datasetType = Int32(truncatingIfNeeded: try reader.readVarint())
            default: try reader.skipField(key)
            }
        }
    }
}
