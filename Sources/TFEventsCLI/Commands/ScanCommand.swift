import ArgumentParser
import TFEvents

/// `tfevents scan`: verify event files and summarise what they hold.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Verify event files and summarise each: records, events, steps, scalars, tags, damage.",
        discussion: """
        Every record's length and payload CRC is verified. A file that ends inside a record is \
        reported as a truncated tail (a file still being written), which is not an error. Bad \
        records are reported on stderr with their byte offset; reading goes on after them. \
        Files are read in parallel (--jobs, one file per core by default), and a large uncompressed \
        file in ranges that start at verified record boundaries; the table lists files in path \
        order, each summary the same whatever the number of jobs.

        Examples:
          tfevents scan logs/
          tfevents scan --format json run1/events.out.tfevents.1700000000.host
          gzip -dc events.gz | tfevents scan -
          tfevents scan sweep/ --run 'lr0.1*'   # only the runs matching the glob
        """
    )

    @Argument(help: "Event files or directories (searched recursively). '-' reads standard input.")
    var paths: [String]

    @Option(help: "Output format: \(OutputFormat.list(Self.formats)).")
    var format: OutputFormat = .text

    @OptionGroup var reading: ReadingOptions

    @OptionGroup var runs: RunSelectionOptions

    static let formats: [OutputFormat] = [.text, .json, .jsonl, .csv, .arrow]

    @Option(help: "Threads reading files, or ranges of a large file, at the same time (default: the number of cores).")
    var jobs: Int?

    func validate() throws {
        try format.require(Self.formats)
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let (files, pathFailed) = runs.expand(paths)
        let progress = IndexProgress(mode: .auto)
        let total = totalSize(of: files)
        let scanner = FileScanner(options: reading.recordOptions)
        let summaries = scanner.scan(paths: files, jobs: jobs ?? ObjectStores.defaultReaders(for: files, cores: IndexOptions().jobs)) { done in
            progress.update(done: done, total: total, files: 0, totalFiles: 0)
        }
        progress.finish()
        for (file, summary) in zip(files, summaries) {
            for issue in summary.issues { StandardError.report("\(file): \(issue.message)") }
        }

        if format == .text {
            printText(summaries)
        } else {
            var output = RecordOutput(format: format)
            for summary in summaries { output.write(Self.record(summary)) }
            output.finish()
        }
        StandardOutput.shared.flush()

        if pathFailed || summaries.contains(where: \.unreadable) { throw ExitCode(ExitStatus.usage) }
        if summaries.contains(where: \.hasCorruption) { throw ExitCode(ExitStatus.corruption) }
    }

    private func printText(_ summaries: [FileScanSummary]) {
        let out = StandardOutput.shared
        let header = ["records", "events", "bytes", "first", "last", "scalars", "tags", "trunc", "corrupt", "compr"]
        let widths = [9, 9, 12, 8, 8, 10, 6, 7, 8, 6]
        func row(_ cells: [String], _ path: String) -> String {
            zip(cells, widths).map { cell, width in
                String(repeating: " ", count: max(0, width - cell.count)) + cell
            }.joined(separator: " ") + "  " + OutputText.terminal(path) + "\n"
        }
        out.write(row(header, "path"))
        var totals = FileScanSummary(path: "total")
        for s in summaries {
            out.write(row([String(s.records), String(s.events), String(s.bytes),
                           s.firstStep.map(String.init) ?? "-", s.lastStep.map(String.init) ?? "-",
                           String(s.scalarPoints), String(s.distinctTags), String(s.truncatedBytes),
                           String(s.corruptRecords), s.unreadable ? "?" : s.compression.rawValue], s.path))
            totals.records += s.records
            totals.events += s.events
            totals.bytes += s.bytes
            totals.scalarPoints += s.scalarPoints
            totals.truncatedBytes += s.truncatedBytes
            totals.corruptRecords += s.corruptRecords
        }
        out.write(row([String(totals.records), String(totals.events), String(totals.bytes), "", "",
                       String(totals.scalarPoints), "", String(totals.truncatedBytes),
                       String(totals.corruptRecords), ""], "total (\(summaries.count) files)"))
    }

    /// The machine-readable summary of one file.
    static func record(_ s: FileScanSummary) -> OutputRecord {
        let errors = s.issues.map { issue in
            OutputValue.record(OutputRecord([
                ("offset", .int(issue.offset)), ("kind", .string(issue.kind)), ("message", .string(issue.message)),
                ("compressed_offset", issue.compressedOffset.map { .int($0) } ?? .null),
            ]))
        }
        return OutputRecord([
            ("path", .string(s.path)),
            ("records", .int(s.records)),
            ("bytes", .int(s.bytes)),
            ("events", .int(s.events)),
            ("scalars", .int(s.scalarPoints)),
            ("tags", .int(s.distinctTags)),
            ("first_step", .optional(s.firstStep)),
            ("last_step", .optional(s.lastStep)),
            ("truncated_bytes", .int(s.truncatedBytes)),
            ("corrupt_records", .int(s.corruptRecords)),
            ("malformed_values", .int(s.malformedValues)),
            ("compression", .string(s.compression.rawValue)),
            ("errors", .list(errors)),
        ])
    }
}
