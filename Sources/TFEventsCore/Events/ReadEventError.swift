import TFRecord

/// An event could not be read: either its record is bad
/// (``ReadRecordError``) or the record is sound but its payload is not a
/// valid `Event` message.
///
/// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside this
/// package needs `@unknown default`.
@nonexhaustive
public enum ReadEventError: Error, Sendable, CustomStringConvertible {
    /// The record framing or checksum failed: resumable or fatal as
    /// ``ReadRecordError/isResumable`` says.
    case record(ReadRecordError)
    /// The record verified but its payload does not decode. `error.offset`
    /// is inside the payload, which starts at `recordOffset + 12`.
    /// Resumable: the framing is intact, the next record is read.
    case invalidEvent(path: String, recordOffset: Int, error: ProtoDecodingError)

    /// Whether the reader can return more events after this error.
    public var isResumable: Bool {
        switch self {
        case .record(let error): return error.isResumable
        case .invalidEvent: return true  // the framing is intact
        }
    }

    /// The file.
    public var path: String {
        switch self {
        case .record(let error): return error.path
        case .invalidEvent(let path, _, _): return path
        }
    }

    /// Stream offset of the record concerned.
    public var offset: Int {
        switch self {
        case .record(let error): return error.offset
        case .invalidEvent(_, let recordOffset, _): return recordOffset
        }
    }

    /// A short name of the kind, for JSON: the record error's kind, or `invalid_event`.
    public var kindName: String {
        switch self {
        case .record(let error): return error.kindName
        case .invalidEvent: return "invalid_event"
        }
    }

    /// A sentence without the path.
    public var message: String {
        switch self {
        case .record(let error): return error.message
        case let .invalidEvent(_, recordOffset, error):
            return "record at offset \(recordOffset) is not a valid Event: \(error.description)"
                + " (file offset \(recordOffset + TFRecordLayout.headerLength + error.offset))"
        }
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
