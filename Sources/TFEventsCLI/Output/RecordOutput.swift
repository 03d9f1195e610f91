/// Prints a sequence of records in a machine format: a JSON array
/// (`json`), one object per line (`jsonl`), or CSV with a header taken from
/// the first record (`csv`), or an Arrow IPC stream (`arrow`, written by
/// ``finish()``). The `text` format is each command's own.
struct RecordOutput {
    let format: OutputFormat
    private let out: StandardOutput
    private var count = 0
    private var table = ArrowRecordTable()

    /// Records to `out` (standard output by default) in `format`.
    init(format: OutputFormat, out: StandardOutput = .shared) {
        precondition(format != .text, "text output is the command's own")
        self.format = format
        self.out = out
    }

    /// Writes one record.
    mutating func write(_ record: OutputRecord) {
        switch format {
        case .json:
            out.write((count == 0 ? "[\n  " : ",\n  ") + record.json)
        case .jsonl:
            out.write(record.json + "\n")
        case .csv:
            if count == 0 { out.write(record.fields.map { OutputText.csvField($0.name) }.joined(separator: ",") + "\n") }
            out.write(record.fields.map(\.value.csv).joined(separator: ",") + "\n")
        case .arrow:
            table.append(record)
        case .text:
            break
        }
        count += 1
    }

    /// Ends the document (closes a JSON array, an empty one is `[]`;
    /// writes the Arrow stream).
    func finish() {
        if format == .json { out.write(count == 0 ? "[]\n" : "\n]\n") }
        if format == .arrow { table.write(to: out) }
    }

    /// Writes one record as a whole document: an object (`json`), a line
    /// (`jsonl`), or a header and a row (`csv`).
    static func single(_ record: OutputRecord, format: OutputFormat, out: StandardOutput = .shared) {
        switch format {
        case .json, .jsonl: out.write(record.json + "\n")
        case .csv, .arrow:
            var output = RecordOutput(format: format, out: out)
            output.write(record)
            output.finish()
        case .text: break
        }
    }
}
