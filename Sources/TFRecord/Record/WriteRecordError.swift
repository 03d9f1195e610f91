import TFEventsSystem

/// A record could not be written. Carries the file and the byte offset.
///
/// Every case is fatal for the bytes it concerns but not for the writer:
/// after a failed ``RecordWriter/flush()`` the unwritten bytes stay
/// buffered, so a later `flush()` (after freeing disk space, say) retries
/// them.
public struct WriteRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong. Each case is fatal for the bytes concerned, not for
    /// the writer (see above); ``closed`` is a caller error.
    ///
    /// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside
    /// this package needs `@unknown default`.
    @nonexhaustive
    public enum Kind: Sendable, Equatable {
        /// `open` failed.
        case open(SystemError)
        /// `write` failed (after retrying `EINTR` and short writes).
        case write(SystemError)
        /// `write` returned 0 for a non-empty buffer: the file cannot grow.
        case noProgress
        /// `close` failed; buffered bytes may not have reached the disk.
        case close(SystemError)
        /// The writer was already closed.
        case closed
    }

    /// What went wrong.
    public let kind: Kind
    /// The file being written.
    public let path: String
    /// Offset in the file of the first byte that was not written.
    public let offset: Int

    /// An error at `offset` of `path`.
    public init(kind: Kind, path: String, offset: Int) {
        self.kind = kind
        self.path = path
        self.offset = offset
    }

    /// A sentence without the path: what failed and where.
    public var message: String {
        switch kind {
        case .open(let error): return "cannot open for writing: \(error)"
        case .write(let error): return "write failed at offset \(offset): \(error)"
        case .noProgress: return "write made no progress at offset \(offset)"
        case .close(let error): return "close failed after offset \(offset): \(error)"
        case .closed: return "write after close at offset \(offset)"
        }
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
