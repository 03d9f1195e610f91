import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Every format a command prints in: one type, so that a new format is
/// added in one place (here, ``OutputValue`` and ``RecordOutput``) and
/// every command that prints records can offer it.
///
/// Each command names the formats it offers; `--format` outside them is a
/// usage error naming them.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Aligned columns or lines for people.
    case text
    /// One JSON document: an array of objects, or one object.
    case json
    /// One JSON object per line.
    case jsonl
    /// RFC 4180 CSV with a header row.
    case csv
    /// The Apache Arrow IPC stream format (binary; never to a terminal).
    case arrow

    /// `text, json` — for help and error messages.
    static func list(_ formats: [OutputFormat]) -> String {
        formats.map(\.rawValue).joined(separator: ", ")
    }

    /// Throws a usage error unless `self` is one of `offered`.
    func require(_ offered: [OutputFormat]) throws {
        guard offered.contains(self) else {
            throw ValidationError("--format \(rawValue) is not offered here; use one of: \(Self.list(offered))")
        }
        if self == .arrow && isatty(1) == 1 {
            throw ValidationError("--format arrow writes binary: redirect standard output to a file or a pipe")
        }
    }
}
