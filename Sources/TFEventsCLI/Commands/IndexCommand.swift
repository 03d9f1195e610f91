import ArgumentParser
import TFEvents

/// `tfevents index`: build or update the persistent index of a log directory.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build or update the index of a log directory; later reads only what was appended.",
        discussion: """
        The first run reads every event file (in parallel, one file per core at a time) and stores \
        the scalar series, the location of every other point, and each file's state in one \
        compressed index file. Later runs read only the bytes appended since; replaced or shrunken \
        files are read again, deleted ones leave the index.

        The index lives in $XDG_CACHE_HOME/tfevents (or ~/.cache/tfevents; --index puts it \
        elsewhere), one file per log directory, named after it, and takes about 10 % of the event \
        files' size on scalar logs (107 MB for a 1 GiB eval log), far less on logs of images and \
        histograms. `scalars` uses it once this command has built it; `best` keeps its own (see \
        `tfevents best --help`). TFEVENTS_NO_INDEX=1 keeps `best` and `scalars` away from it (`report` \
        draws its charts from it and always uses it).

        Examples:
          tfevents index logs/
          tfevents index logs/ --format json
          tfevents index logs/ --index /tmp/logs.tfindex --rebuild --jobs 1
          tfevents index logs/ --run 'trial-1*'   # only these runs; others stay stored
        """
    )

    @Argument(help: "The log directory.")
    var logdir: String

    @OptionGroup var location: IndexLocationOptions

    @OptionGroup var runs: RunSelectionOptions

    @Option(help: "Progress bar on stderr: auto (when a terminal), always, never.")
    var progress: ProgressMode = .auto

    @Option(help: "Output format: \(OutputFormat.list(Self.formats)).")
    var format: OutputFormat = .text

    @OptionGroup var reading: ReadingOptions

    static let formats: [OutputFormat] = [.text, .json, .arrow]

    func validate() throws { try format.require(Self.formats) }

    func run() throws {
        let (index, report) = try location.updatedIndex(logdir: logdir, reading: reading, progressMode: progress,
                                                        runs: runs.selection)
        let rate = report.elapsedSeconds > 0 ? Double(report.bytesRead) / report.elapsedSeconds / 1e6 : 0
        let out = StandardOutput.shared
        switch format {
        case .json, .jsonl, .csv, .arrow:
            RecordOutput.single(OutputRecord([
                ("index", .string(index.indexPath)),
                ("write_mode", .string(report.writeMode.rawValue)),
                ("index_bytes", .int(report.indexBytes)),
                ("files", .int(report.files)),
                ("files_read", .int(report.filesRead)),
                ("files_read_from_start", .int(report.filesReadFromStart)),
                ("files_removed", .int(report.filesRemoved)),
                ("records", .int(report.records)),
                ("bytes_read", .int(report.bytesRead)),
                ("bytes_skipped", .int(report.bytesSkipped)),
                ("elapsed_seconds", .number(report.elapsedSeconds)),
                ("throughput_mb_per_s", .number(rate)),
                ("corrupt_records", .int(report.corruptRecords)),
                ("rebuild_reason", .optional(report.rebuildReason?.description)),
                ("problems", .list(report.problems.map {
                    .record(OutputRecord([("path", .string($0.path)), ("message", .string($0.message))]))
                })),
                ("skipped", .list(report.skipped.map {
                    .record(OutputRecord([("path", .string($0.path)), ("kind", .string($0.kind))]))
                })),
            ]), format: format)
        case .text:
            out.write("index: \(index.indexPath) (\(report.writeMode.rawValue), \(Format.bytes(report.indexBytes)))\n")
            out.write("files: \(report.files) (\(report.filesRead) read, \(report.filesReadFromStart) from the start, \(report.filesRemoved) removed)\n")
            out.write("records read: \(report.records)\n")
            out.write("bytes read: \(report.bytesRead) (\(Format.bytes(report.bytesRead))); skipped thanks to the index: \(report.bytesSkipped) (\(Format.bytes(report.bytesSkipped)))\n")
            out.write("time: \(String(format1: report.elapsedSeconds * 1000)) ms, \(String(format1: rate)) MB/s\n")
            if report.corruptRecords > 0 { out.write("corrupt records: \(report.corruptRecords)\n") }
        }
        out.flush()
        if !report.problems.isEmpty { throw ExitCode(ExitStatus.usage) }
        if report.corruptRecords > 0 { throw ExitCode(ExitStatus.corruption) }
    }
}

extension ProgressMode: ExpressibleByArgument {}

/// `tfevents tags`: the runs and tags of a log directory, from the index.
struct TagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "List the runs and tags of a log directory (updating its index first).",
        discussion: """
        Examples:
          tfevents tags logs/
          tfevents tags logs/ --format json
          tfevents tags logs/ --run 'run-*' --run-regex '/validation$'
        """
    )

    @Argument(help: "The log directory.")
    var logdir: String

    @OptionGroup var location: IndexLocationOptions

    @OptionGroup var runs: RunSelectionOptions

    @Option(help: "Output format: \(OutputFormat.list(Self.formats)).")
    var format: OutputFormat = .text

    @OptionGroup var reading: ReadingOptions

    static let formats: [OutputFormat] = [.text, .json, .jsonl, .csv, .arrow]

    func validate() throws { try format.require(Self.formats) }

    func run() throws {
        let (index, _) = try location.updatedIndex(logdir: logdir, reading: reading, runs: runs.selection)
        let out = StandardOutput.shared
        var output = format == .text ? nil : RecordOutput(format: format)
        if format == .text { out.write("run\ttag\tplugin\tdata_class\tscalars\tother_points\n") }
        for run in index.runs {
            for tag in index.tags(run: run) {
                if output == nil {
                    out.write("\(run)\t\(tag.name)\t\(tag.pluginName.isEmpty ? "-" : tag.pluginName)\t\(tag.dataClass)\t\(tag.scalarCount)\t\(tag.blobCount)\n")
                } else {
                    output?.write(OutputRecord([
                        ("run", .string(run)), ("tag", .string(tag.name)),
                        ("plugin", .string(tag.pluginName)), ("data_class", .string(tag.dataClass.description)),
                        ("scalars", .int(tag.scalarCount)), ("other_points", .int(tag.blobCount)),
                        ("first_file", .string(tag.firstFile)), ("first_offset", .int(tag.firstOffset)),
                    ]))
                }
            }
        }
        output?.finish()
        out.flush()
    }
}
