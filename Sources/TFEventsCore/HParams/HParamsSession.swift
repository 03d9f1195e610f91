import TFRecord

/// How a session ended (`Status` of the HParams plugin).
public enum SessionStatus: Int32, Sendable, Hashable, CustomStringConvertible {
    /// `STATUS_UNKNOWN`, also a session without an end record.
    case unknown = 0
    /// `STATUS_SUCCESS`.
    case success = 1
    /// `STATUS_FAILURE`.
    case failure = 2
    /// `STATUS_RUNNING`.
    case running = 3

    /// `unknown`, `success`, `failure`, `running`.
    public var description: String {
        switch self {
        case .unknown: return "unknown"
        case .success: return "success"
        case .failure: return "failure"
        case .running: return "running"
        }
    }
}

/// The start of one session (one trial of a sweep): its hyperparameters
/// (`SessionStartInfo`).
public struct SessionStartInfo: Sendable, Hashable {
    /// `hparams` (1), sorted by name.
    public var hparams: [HParamValue.Field] = []
    /// `model_uri` (2).
    public var modelURI = ""
    /// `monitor_url` (3).
    public var monitorURL = ""
    /// `group_name` (4): sessions of one group are repeats of one trial.
    public var groupName = ""
    /// `start_time_secs` (5).
    public var startTime: Double = 0

    /// A start without hyperparameters.
    public init() {}

    /// The value of hyperparameter `name`, if the session has it.
    public func value(of name: String) -> HParamValue? {
        hparams.first { $0.name == name }?.value
    }

    init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        var values: [String: HParamValue] = [:]
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .lengthDelimited):
                let entry = try MapEntry(decoding: try reader.readLengthDelimited(), depth: 1)
                values[entry.name] = entry.value
            case (2, .lengthDelimited): modelURI = try reader.readLengthDelimited().utf8String
            case (3, .lengthDelimited): monitorURL = try reader.readLengthDelimited().utf8String
            case (4, .lengthDelimited): groupName = try reader.readLengthDelimited().utf8String
            case (5, .fixed64): startTime = Double(bitPattern: try reader.readFixed64())
            default: try reader.skipField(key)
            }
        }
        hparams = values.keys.sorted().map { HParamValue.Field(name: $0, value: values[$0] ?? .null) }
    }
}

/// The end of a session (`SessionEndInfo`).
public struct SessionEndInfo: Sendable, Hashable {
    /// `status` (1).
    public var status = SessionStatus.unknown
    /// `end_time_secs` (2).
    public var endTime: Double = 0

    /// An end of unknown status.
    public init() {}

    init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .varint): status = SessionStatus(rawValue: Int32(truncatingIfNeeded: try reader.readVarint())) ?? .unknown
            case (2, .fixed64): endTime = Double(bitPattern: try reader.readFixed64())
            default: try reader.skipField(key)
            }
        }
    }
}
