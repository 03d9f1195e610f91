import TFRecord

/// A decoded `SessionLog` (FORMAT §3.2): training session start, stop or
/// checkpoint, written by TF1 `FileWriter` and Estimator.
public struct SessionLog: Hashable, Sendable {
    /// `SessionLog.SessionStatus`.
    public enum Status: Int32, Sendable, Hashable, CustomStringConvertible {
        /// `STATUS_UNSPECIFIED`.
        case unspecified = 0
        /// `START`: a (re)started session; TensorBoard purges later steps.
        case start = 1
        /// `STOP`.
        case stop = 2
        /// `CHECKPOINT`: a checkpoint was written to ``SessionLog/checkpointPath``.
        case checkpoint = 3

        /// The proto enum name.
        public var description: String {
            switch self {
            case .unspecified: return "STATUS_UNSPECIFIED"
            case .start: return "START"
            case .stop: return "STOP"
            case .checkpoint: return "CHECKPOINT"
            }
        }
    }

    /// The status (unspecified when absent or unrecognised).
    public var status: Status = .unspecified
    /// `checkpoint_path`, for CHECKPOINT events.
    public var checkpointPath: String = ""
    /// `msg`.
    public var message: String = ""

    /// Decodes a `SessionLog` message.
    package init(decoding bytes: RawSpan) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .varint):
                status = Status(rawValue: Int32(truncatingIfNeeded: try reader.readVarint())) ?? .unspecified
            case (2, .lengthDelimited):
                checkpointPath = try reader.readLengthDelimited().utf8String
            case (3, .lengthDelimited):
                message = try reader.readLengthDelimited().utf8String
            default:
                try reader.skipField(key)
            }
        }
    }
}
