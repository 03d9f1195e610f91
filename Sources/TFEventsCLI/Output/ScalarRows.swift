import TFEvents

/// The rows of `tfevents scalars` on standard output: one scalar point per
/// line, as a JSON object or a CSV row, the same bytes whether the points
/// come from the files or from the index.
///
/// Paths and tags are encoded once each by the caller (``encoded(_:)``) and
/// reused for every row that repeats them; rows are made as bytes by
/// ``ScalarTextRows`` and go out in 256 KiB writes.
struct ScalarRows {
    /// The formats the rows come in.
    static let formats: [OutputFormat] = [.jsonl, .csv]

    private var rows: ScalarTextRows
    private let out: StandardOutput
    private static let drainSize = 256 * 1024

    /// Rows in `format` (one of ``formats``) to standard output.
    init(format: OutputFormat, out: StandardOutput = .shared) {
        precondition(Self.formats.contains(format), "scalar rows are jsonl or csv")
        rows = ScalarTextRows(format: format == .csv ? .csv : .jsonLines, capacity: Self.drainSize)
        self.out = out
    }

    /// The CSV header; nothing for JSON lines.
    func writeHeader() {
        rows.header.withUnsafeBytes { out.write(bytes: $0) }
    }

    /// `text` as a field of this format (a CSV field or a JSON string).
    func encoded(_ text: String) -> [UInt8] {
        rows.field(text)
    }

    /// One point; `path` and `tag` already ``encoded(_:)``.
    mutating func write(path: [UInt8], tag: [UInt8], step: Int64, wallTime: Double, value: Double) {
        rows.append(path: path, tag: tag, step: step, wallTime: wallTime, value: value)
        if rows.count >= Self.drainSize { drain() }
    }

    /// Hands what is buffered to standard output (which the caller flushes).
    mutating func drain() {
        let out = self.out
        unsafe rows.drain { unsafe out.write(bytes: $0) }
    }
}
