/// The rows of `tfevents scalars`: one scalar point per line, as a JSON
/// object or a CSV row, the same bytes whether the points come from the
/// files or from the index.
///
/// Paths and tags are encoded once each by the caller (``encoded(_:)``) and
/// reused for every row that repeats them.
struct ScalarRows {
    /// `jsonl` or `csv`.
    let format: OutputFormat
    private let out: StandardOutput

    /// The formats the rows come in.
    static let formats: [OutputFormat] = [.jsonl, .csv]

    /// Rows in `format` to standard output.
    init(format: OutputFormat, out: StandardOutput = .shared) {
        precondition(Self.formats.contains(format), "scalar rows are jsonl or csv")
        self.format = format
        self.out = out
    }

    /// The CSV header; nothing for JSON lines.
    func writeHeader() {
        if format == .csv { out.write("path,tag,step,wall_time,value\n") }
    }

    /// `text` as a field of this format (a CSV field or a JSON string).
    func encoded(_ text: String) -> String {
        format == .csv ? OutputText.csvField(text) : OutputText.jsonString(text)
    }

    /// One point; `path` and `tag` already ``encoded(_:)``.
    func write(path: String, tag: String, step: Int64, wallTime: Double, value: Double) {
        switch format {
        case .csv:
            out.write("\(path),\(tag),\(step),\(OutputText.plain(wallTime)),\(OutputText.plain(value))\n")
        default:
            out.write("{\"path\":\(path),\"tag\":\(tag),\"step\":\(step),\"wall_time\":\(OutputText.jsonNumber(wallTime)),\"value\":\(OutputText.jsonNumber(value))}\n")
        }
    }
}
