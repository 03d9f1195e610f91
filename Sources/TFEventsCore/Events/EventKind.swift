/// Which member of `Event.what` an event carries (FORMAT §3.2).
///
/// Knowing the member does not decode it: a `graph_def` of many megabytes
/// costs nothing until someone asks for its bytes.
public enum EventKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No member set (an event with only wall_time/step, or an unknown member).
    case none = 0
    /// `file_version` (3): the first event of every file.
    case fileVersion = 3
    /// `graph_def` (4): a serialized GraphDef.
    case graphDef = 4
    /// `summary` (5): tagged values.
    case summary = 5
    /// `log_message` (6, deprecated).
    case logMessage = 6
    /// `session_log` (7): START / STOP / CHECKPOINT.
    case sessionLog = 7
    /// `tagged_run_metadata` (8).
    case taggedRunMetadata = 8
    /// `meta_graph_def` (9): a serialized MetaGraphDef.
    case metaGraphDef = 9

    /// The member whose field number is `field`; `.none` for any other
    /// number. A switch the optimiser keeps inline: `init(rawValue:)` was
    /// a call per event.
    @inline(__always)
    init(field: UInt8) {
        switch field {
        case 3: self = .fileVersion
        case 4: self = .graphDef
        case 5: self = .summary
        case 6: self = .logMessage
        case 7: self = .sessionLog
        case 8: self = .taggedRunMetadata
        case 9: self = .metaGraphDef
        default: self = .none
        }
    }

    /// The proto field name: `file_version`, `summary`, ...
    public var description: String {
        switch self {
        case .none: return "none"
        case .fileVersion: return "file_version"
        case .graphDef: return "graph_def"
        case .summary: return "summary"
        case .logMessage: return "log_message"
        case .sessionLog: return "session_log"
        case .taggedRunMetadata: return "tagged_run_metadata"
        case .metaGraphDef: return "meta_graph_def"
        }
    }
}
