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

        Examples:
          tfevents index logs/
          tfevents index logs/ --format json
          tfevents index logs/ --index /tmp/logs.tfindex --rebuild --jobs 1
        """
    )

    @Argument(help: "The log directory.")
    var logdir: String

    @OptionGroup var location: IndexLocationOptions

    @Option(help: "Progress bar on stderr: auto (when a terminal), always, never.")
    var progress: ProgressMode = .auto

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var reading: ReadingOptions

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func run() throws {
        let (index, report) = try location.updatedIndex(logdir: logdir, reading: reading, progressMode: progress)
        let rate = report.elapsedSeconds > 0 ? Double(report.bytesRead) / report.elapsedSeconds / 1e6 : 0
        let out = StandardOutput.shared
        switch format {
        case .text:
            out.write("index: \(index.indexPath) (\(report.writeMode.rawValue), \(Format.bytes(report.indexBytes)))\n")
            out.write("files: \(report.files) (\(report.filesRead) read, \(report.filesReadFromStart) from the start, \(report.filesRemoved) removed)\n")
            out.write("records read: \(report.records)\n")
            out.write("bytes read: \(report.bytesRead) (\(Format.bytes(report.bytesRead))); skipped thanks to the index: \(report.bytesSkipped) (\(Format.bytes(report.bytesSkipped)))\n")
            out.write("time: \(String(format1: report.elapsedSeconds * 1000)) ms, \(String(format1: rate)) MB/s\n")
            if report.corruptRecords > 0 { out.write("corrupt records: \(report.corruptRecords)\n") }
        case .json:
            out.write(JSON.object([
                ("index", JSON.string(index.indexPath)),
                ("write_mode", JSON.string(report.writeMode.rawValue)),
                ("index_bytes", String(report.indexBytes)),
                ("files", String(report.files)),
                ("files_read", String(report.filesRead)),
                ("files_read_from_start", String(report.filesReadFromStart)),
                ("files_removed", String(report.filesRemoved)),
                ("records", String(report.records)),
                ("bytes_read", String(report.bytesRead)),
                ("bytes_skipped", String(report.bytesSkipped)),
                ("elapsed_seconds", JSON.number(report.elapsedSeconds)),
                ("throughput_mb_per_s", JSON.number(rate)),
                ("corrupt_records", String(report.corruptRecords)),
                ("rebuild_reason", report.rebuildReason.map(JSON.string) ?? "null"),
                ("problems", "[" + report.problems.map {
                    JSON.object([("path", JSON.string($0.path)), ("message", JSON.string($0.message))])
                }.joined(separator: ",") + "]"),
            ]) + "\n")
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
        """
    )

    @Argument(help: "The log directory.")
    var logdir: String

    @OptionGroup var location: IndexLocationOptions

    @Option(help: "Output format: text or json.")
    var format: IndexCommand.OutputFormat = .text

    @OptionGroup var reading: ReadingOptions

    func run() throws {
        let (index, _) = try location.updatedIndex(logdir: logdir, reading: reading)
        let out = StandardOutput.shared
        var objects: [String] = []
        if format == .text { out.write("run\ttag\tplugin\tdata_class\tscalars\tother_points\n") }
        for run in index.runs {
            for tag in index.tags(run: run) {
                switch format {
                case .text:
                    out.write("\(run)\t\(tag.name)\t\(tag.pluginName.isEmpty ? "-" : tag.pluginName)\t\(tag.dataClass)\t\(tag.scalarCount)\t\(tag.blobCount)\n")
                case .json:
                    objects.append(JSON.object([
                        ("run", JSON.string(run)), ("tag", JSON.string(tag.name)),
                        ("plugin", JSON.string(tag.pluginName)), ("data_class", JSON.string(tag.dataClass.description)),
                        ("scalars", String(tag.scalarCount)), ("other_points", String(tag.blobCount)),
                        ("first_file", JSON.string(tag.firstFile)), ("first_offset", String(tag.firstOffset)),
                    ]))
                }
            }
        }
        if format == .json { out.write("[" + objects.joined(separator: ",\n ") + "]\n") }
        out.flush()
    }
}
