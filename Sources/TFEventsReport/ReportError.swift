import TFRecord
import TFEventsIndex
import TFEventsSystem

/// Why a report could not be made.
public struct ReportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. Every case is fatal for the report: no page is
    /// written.
    ///
    /// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside
    /// this package needs `@unknown default`.
    @nonexhaustive
    public enum Kind: Sendable {
        /// The path is not a directory (or cannot be read).
        case notADirectory(SystemError?)
        /// The log directory's index could not be built or read.
        case index(IndexError)
        /// The directory holds no scalar data to draw.
        case noScalars
    }

    /// The directory reported on.
    public let path: String
    /// What went wrong.
    public let kind: Kind

    /// `path: what went wrong`.
    public var description: String {
        switch kind {
        case .notADirectory(let error?): return "\(path): \(error)"
        case .notADirectory(nil): return "\(path): not a directory"
        case .index(let error): return error.description
        case .noScalars: return "\(path): no scalar data (no event file, or none with scalar summaries)"
        }
    }
}
