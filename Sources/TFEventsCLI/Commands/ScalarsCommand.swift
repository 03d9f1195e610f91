import ArgumentParser
import Dispatch
import Synchronization
import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tfevents scalars`: every scalar point, as JSON lines or CSV.
struct ScalarsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalars",
        abstract: "Print every scalar point (TF1 simple_value, TF2 tensors, tensorboardX, Keras).",
        discussion: """
        Files are read in sorted path order and points in file order. Values are printed so that \
        they parse back to the same double; NaN and infinities are the strings "nan", "inf", "-inf".

        Given one directory that `tfevents index` has indexed, the points come from the index \
        (updated first when less than an eighth of the bytes, or under 16 MiB in at most 64 files, is new), a few stored \
        chunks at a time (decoded ahead on other threads; memory does not grow with the log); the \
        output is the same either way. Otherwise, with --no-index, with \
        TFEVENTS_NO_INDEX=1, or when the index cannot be written (a read-only cache), the files are \
        read directly and the index is left as it is.

        Examples:
          tfevents scalars model_dir/eval --tag loss
          tfevents scalars logs/ --tag 'epoch_*' --tag 'val/*' --format csv > s.csv
          tfevents scalars logs/ --format arrow > s.arrows  # pyarrow.ipc.open_stream
          tfevents scalars sweep/ --run 'trial-[0-3]' --tag 'epoch_*' --format csv

        Arrow: the IPC stream format; columns run and tag (dictionary-encoded strings; run is the \
        file's directory relative to the directory given, "." for files in it or given directly), \
        step (int64), wall_time and value (float64), and with --path-column the file's path; in \
        batches of 65,536 rows, so memory stays bounded.
        """
    )

    @Argument(help: "Event files or directories (searched recursively). '-' reads standard input.")
    var paths: [String]

    @Option(name: .customLong("tag"), help: "Only tags matching this glob (*, ?, [...]); repeatable.")
    var tagPatterns: [String] = []

    @Option(help: "Output format: jsonl, csv, or arrow (an Arrow IPC stream: run, tag, step, wall_time, value).")
    var format: OutputFormat = .jsonl

    @Flag(name: .customLong("path-column"), help: "With --format arrow, add the event file's path as a dictionary column `path`.")
    var pathColumn = false

    @OptionGroup var reading: ReadingOptions

    @OptionGroup var runs: RunSelectionOptions

    @Flag(name: .customLong("no-index"), help: "Read the files directly, not through the log directory's index.")
    var noIndex = false

    @OptionGroup var location: IndexLocationOptions

    /// The size of the ranges large files are cut into (hidden: tests cut
    /// small files with it).
    @Option(name: .customLong("range-bytes"), help: .hidden)
    var rangeBytes: Int?

    func validate() throws {
        try format.require([.jsonl, .csv, .arrow])
        if let rangeBytes, rangeBytes < 1 { throw ValidationError("--range-bytes must be at least 1.") }
        if pathColumn && format != .arrow { throw ValidationError("--path-column applies to --format arrow (the text formats always have the path).") }
    }

    func run() throws {
        if !noIndex, paths.count == 1, FileOperations.isDirectory(paths[0]),
           let (index, report) = location.verifiedIndexOrNil(logdir: paths[0], reading: reading, runs: runs.selection) {
            if format == .arrow { return try runArrowFromIndex(index, report: report, logdir: paths[0]) }
            try runFromIndex(index, report: report, logdir: paths[0])
            return
        }
        if format == .arrow { return try runArrow() }
        let (files, pathFailed) = runs.expand(paths.sorted(by: FilePaths.bytewiseLess))
        let out = StandardOutput.shared
        let format: ScalarTextRows.Format = self.format == .csv ? .csv : .jsonLines
        format.header.withUnsafeBytes { out.write(bytes: $0) }
        let total = totalSize(of: files)
        let progress = IndexProgress(mode: .auto)
        let doneBytes = Atomic<Int>(0)
        // Ranges of the files read and made into rows on worker threads (one
        // per core, more for object storage, or --jobs), written in order
        // by this thread.
        let workers = location.jobs ?? ObjectStores.defaultReaders(for: files, cores: IndexOptions().jobs)
        let rows = FileRows(files: files, format: format, filter: TagFilter(patterns: tagPatterns),
                            options: reading.recordOptions)
        let outcome = rows.write(to: out, workers: workers, rangeBytes: rangeBytes ?? FileRows.rangeBytes) { bytes in
            let done = doneBytes.wrappingAdd(bytes, ordering: .relaxed).newValue
            progress.update(done: done, total: total, files: 0, totalFiles: 0)
        }
        progress.finish()
        out.flush()
        if pathFailed || outcome.unreadable { throw ExitCode(ExitStatus.usage) }
        if outcome.corrupt { throw ExitCode(ExitStatus.corruption) }
    }
}

extension ScalarsCommand {
    /// Prints the points from the log directory's index, chunk by chunk
    /// (chunks are decoded ahead on other threads): each chunk's rows are
    /// made in slices of ``SlicedRows/slice`` points on every core and
    /// written in order, so the text in memory is a few megabytes whatever
    /// the chunk's size.
    private func runFromIndex(_ index: LogdirIndex, report: IndexUpdateReport, logdir: String) throws {
        let out = StandardOutput.shared
        let format: ScalarTextRows.Format = self.format == .csv ? .csv : .jsonLines
        format.header.withUnsafeBytes { out.write(bytes: $0) }
        let filter = TagFilter(patterns: tagPatterns)
        let prefix = logdir.hasSuffix("/") ? logdir : logdir + "/"
        let rows = SlicedRows(format: format, slices: location.jobs ?? SlicedRows.slices(cores: IndexOptions().jobs, writingTo: out),
                              out: out)
        do {
            try index.forEachScalarChunk { file, columns in
                let quotedPath = format.field(prefix + file.relativePath)
                // Per tag id, its field, or nil when filtered out: decided
                // once per chunk, not in every slice.
                let fields = file.tags.map { filter.matches($0.name) ? format.field($0.name) : nil }
                rows.write(count: columns.values.count) { points, rows in
                    var starts = RowStarts(tags: fields.count)
                    for point in points {
                        let tag = Int(columns.pointTags[point])
                        guard tag < fields.count,
                              let start = starts.id(of: tag, path: quotedPath, in: &rows, fields: fields) else { continue }
                        let event = Int(columns.pointEvents[point])
                        rows.append(prefix: start, step: columns.eventSteps[event], wallTime: columns.eventWallTimes[event],
                                    value: columns.values[point])
                    }
                }
            }
        } catch {
            rows.finish()
            out.flush()
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        rows.finish()
        out.flush()
        // Files that could not be read (reported on stderr by the update)
        // make the answer incomplete, as they do with --no-index.
        if !report.problems.isEmpty { throw ExitCode(ExitStatus.usage) }
        if index.files.contains(where: { $0.corruptRecords > 0 || $0.skippedBytes > 0 }) {
            throw ExitCode(ExitStatus.corruption)
        }
    }
}

/// Tag globs, matched with `fnmatch` (so `*` also matches `/`).
struct TagFilter {
    let patterns: [String]

    func matches(_ tag: String) -> Bool {
        patterns.isEmpty || patterns.contains { fnmatch($0, tag, 0) == 0 }
    }
}
