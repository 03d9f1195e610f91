import TFRecord
import TFEventsSystem

/// The index file could not be used. Every case names the index file.
public struct IndexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong. Every case but ``io(operation:_:)`` is repaired by
    /// rebuilding the index from the event files (``IndexError/isRebuildable``);
    /// `io` is fatal for the operation.
    ///
    /// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside
    /// this package needs `@unknown default`.
    @nonexhaustive
    public enum Kind: Sendable, Equatable {
        /// Not an index file, or a damaged one (bad magic, CRC mismatch,
        /// undecodable block, truncated). It is rebuilt, never trusted.
        case damaged(reason: String, offset: Int)
        /// Written by another format version; it is rebuilt.
        case versionMismatch(found: UInt32, expected: UInt32)
        /// A segment (manifest or chunk) at `offset` declares `length` bytes,
        /// more than the format's limit of `limit` (1 GiB). Rejected before
        /// anything is read or allocated; the index is rebuilt.
        case segmentTooLarge(length: UInt64, limit: Int, offset: Int)
        /// The index belongs to another log directory.
        case otherLogdir(String)
        /// A system call on the index file failed.
        case io(operation: String, SystemError)
    }

    /// The index file.
    public let path: String
    /// What is wrong.
    public let kind: Kind

    /// Whether rebuilding the index from the event files fixes it.
    public var isRebuildable: Bool {
        if case .io = kind { return false }
        return true
    }

    /// `path: what is wrong`.
    public var description: String {
        switch kind {
        case let .damaged(reason, offset): return "\(path): damaged index (\(reason) at offset \(offset))"
        case let .versionMismatch(found, expected):
            return "\(path): index format version \(found), this build reads version \(expected)"
        case let .segmentTooLarge(length, limit, offset):
            return "\(path): index segment at offset \(offset) declares \(length) bytes, more than the limit of \(limit)"
        case .otherLogdir(let logdir): return "\(path): index of another log directory (\(logdir))"
        case let .io(operation, error): return "\(path): \(operation) failed: \(error)"
        }
    }
}
