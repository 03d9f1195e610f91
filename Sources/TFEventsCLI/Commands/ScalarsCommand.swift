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
          tfevents scalars logs/ --tag 'epoch_*' --tag 'val/*' --format csv > scalars.csv
          tfevents scalars logs/ --format arrow > scalars.arrows     # pyarrow.ipc.open_stream(...).read_all()
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

    func validate() throws {
        try format.require([.jsonl, .csv, .arrow])
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
        let options = reading.recordOptions
        let filter = TagFilter(patterns: tagPatterns)
        let total = totalSize(of: files)
        let progress = IndexProgress(mode: .auto)
        let doneBytes = Atomic<Int>(0)
        var corrupt = false
        var unreadable = pathFailed
        // Files made on worker threads (one per core, or --jobs), written in
        // order by this thread.
        let ordered = OrderedFileParts<[UInt8]>(count: files.count, partsPerFile: OrderedFiles.rowBlocksPerFile)
        let next = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0 ..< min(location.jobs ?? ObjectStores.defaultReaders(for: files, cores: IndexOptions().jobs), files.count) {
            DispatchQueue.global().async(group: group) {
                // One buffer per worker, reused file after file.
                var rows = ScalarTextRows(format: format, capacity: OrderedFiles.rowBlockBytes)
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < files.count else { return }
                    var scanner = FileScanner(options: options)
                    var reported = 0
                    scanner.progress = { offset in
                        let done = doneBytes.wrappingAdd(offset - reported, ordering: .relaxed).newValue
                        reported = offset
                        progress.update(done: done, total: total, files: 0, totalFiles: 0)
                    }
                    var spare = ordered.spare() ?? []
                    let summary = Self.rows(of: files[index], scanner: scanner, filter: filter, into: &rows) { rows in
                        rows.exchangeBuffer(&spare)
                        ordered.push(spare, file: index)
                        spare = ordered.spare() ?? []
                    }
                    rows.exchangeBuffer(&spare)
                    if !spare.isEmpty { ordered.push(spare, file: index) }
                    doneBytes.wrappingAdd(summary.fileSize - reported, ordering: .relaxed)
                    ordered.finish(file: index, summary: summary)
                }
            }
        }
        for (index, file) in files.enumerated() {
            let summary = ordered.drain(file: index) { block in
                block.withUnsafeBytes { out.write(bytes: $0) }
                block.removeAll(keepingCapacity: true)
            }
            for issue in summary.issues { StandardError.report("\(file): \(issue.message)") }
            corrupt = corrupt || summary.hasCorruption
            unreadable = unreadable || summary.unreadable
        }
        group.wait()
        progress.finish()
        out.flush()
        if unreadable { throw ExitCode(ExitStatus.usage) }
        if corrupt { throw ExitCode(ExitStatus.corruption) }
    }

    /// The rows of `file`'s scalar points that pass `filter`, appended to
    /// `rows`; `emit` is called whenever a block's worth has been made.
    private static func rows(of file: String, scanner: FileScanner, filter: TagFilter, into rows: inout ScalarTextRows,
                             emit: (inout ScalarTextRows) -> Void) -> FileScanSummary {
        let quotedPath = rows.field(file)
        rows.forgetRowPrefixes()
        // Tag id -> the id of its rows' start (path and tag), or -1 when the
        // tag is filtered out, decided once per tag of the file: an array
        // lookup per point, no hashing.
        let undecided = -2
        var prefixOfTag: [Int] = []
        return scanner.scan(path: file) { point in
            let id = point.tagID
            if id >= prefixOfTag.count {
                prefixOfTag.append(contentsOf: repeatElement(undecided, count: id + 1 - prefixOfTag.count))
            }
            if prefixOfTag[id] == undecided {
                let tag = point.tag
                if filter.matches(tag) {
                    let field = rows.field(tag)
                    prefixOfTag[id] = rows.rowPrefix(path: quotedPath, tag: field)
                } else {
                    prefixOfTag[id] = -1
                }
            }
            let prefix = prefixOfTag[id]
            guard prefix >= 0 else { return }
            let buffered = rows.append(prefix: prefix, step: point.step, wallTime: point.wallTime,
                                       value: point.scalar.value)
            if buffered >= OrderedFiles.rowBlockBytes { emit(&rows) }
        }
    }
}

extension ScalarsCommand {
    /// Prints the points from the log directory's index, chunk by chunk
    /// (chunks are decoded ahead on other threads): each chunk's rows are
    /// made in windows of ``rowSlice`` points per core, side by side, and
    /// written in order, so the text in memory is a few megabytes whatever
    /// the chunk's size.
    private func runFromIndex(_ index: LogdirIndex, report: IndexUpdateReport, logdir: String) throws {
        let out = StandardOutput.shared
        let format: ScalarTextRows.Format = self.format == .csv ? .csv : .jsonLines
        format.header.withUnsafeBytes { out.write(bytes: $0) }
        let filter = TagFilter(patterns: tagPatterns)
        let prefix = logdir.hasSuffix("/") ? logdir : logdir + "/"
        let slices = max(1, index.options.jobs)
        let made = SliceRows(count: slices)
        do {
            try index.forEachScalarChunk { file, columns in
                let path = prefix + file.relativePath
                var start = 0
                while start < columns.values.count {
                    let end = min(columns.values.count, start + slices * Self.rowSlice)
                    let window = start
                    DispatchQueue.concurrentPerform(iterations: slices) { slice in
                        let from = min(end, window + slice * Self.rowSlice), to = min(end, from + Self.rowSlice)
                        made.store(Self.rows(of: columns, points: from ..< to, file: file, path: path, format: format,
                                             filter: filter, reusing: made.take(slice)), slice: slice)
                    }
                    for slice in 0 ..< slices { made.withRows(slice) { rows in rows.withUnsafeBytes { out.write(bytes: $0) } } }
                    start = end
                }
            }
        } catch {
            out.flush()
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        out.flush()
        // Files that could not be read (reported on stderr by the update)
        // make the answer incomplete, as they do with --no-index.
        if !report.problems.isEmpty { throw ExitCode(ExitStatus.usage) }
        if index.files.contains(where: { $0.corruptRecords > 0 || $0.skippedBytes > 0 }) {
            throw ExitCode(ExitStatus.corruption)
        }
    }

    /// Points per slice of a chunk's rows (a few megabytes of text).
    static let rowSlice = 16_384

    /// The rows of the points `points` of a chunk whose tag passes
    /// `filter`, in `buffer` (emptied first, its room kept): each tag's row
    /// start (path and tag) made once, the first time the slice uses it.
    private static func rows(of columns: ScalarChunkColumns, points: Range<Int>, file: IndexedFile, path: String,
                             format: ScalarTextRows.Format, filter: TagFilter, reusing buffer: [UInt8]) -> [UInt8] {
        var buffer = buffer
        guard !points.isEmpty else {
            buffer.removeAll(keepingCapacity: true)
            return buffer
        }
        var rows = ScalarTextRows(format: format, capacity: points.count * 64 + 256)
        let quotedPath = rows.field(path)
        let undecided = -2
        var prefixOfTag = [Int](repeating: undecided, count: file.tags.count)
        for point in points {
            let tag = Int(columns.pointTags[point])
            guard tag < prefixOfTag.count else { continue }
            if prefixOfTag[tag] == undecided {
                let name = file.tags[tag].name
                prefixOfTag[tag] = filter.matches(name) ? rows.rowPrefix(path: quotedPath, tag: rows.field(name)) : -1
            }
            let prefix = prefixOfTag[tag]
            guard prefix >= 0 else { continue }
            let event = Int(columns.pointEvents[point])
            rows.append(prefix: prefix, step: columns.eventSteps[event], wallTime: columns.eventWallTimes[event],
                        value: columns.values[point])
        }
        rows.exchangeBuffer(&buffer)
        return buffer
    }
}

/// The rows of a window's slices, made side by side and written in order;
/// their buffers are reused window after window.
private final class SliceRows: Sendable {
    private let slots: Mutex<[[UInt8]]>

    init(count: Int) { slots = Mutex(Array(repeating: [], count: count)) }

    /// Slice `slice`'s buffer, to be filled again.
    func take(_ slice: Int) -> [UInt8] {
        slots.withLock { slots in
            let taken = slots[slice]
            slots[slice] = []
            return taken
        }
    }

    func store(_ rows: [UInt8], slice: Int) { slots.withLock { $0[slice] = rows } }

    func withRows(_ slice: Int, _ body: ([UInt8]) -> Void) { slots.withLock { body($0[slice]) } }
}

/// Tag globs, matched with `fnmatch` (so `*` also matches `/`).
struct TagFilter {
    let patterns: [String]

    func matches(_ tag: String) -> Bool {
        patterns.isEmpty || patterns.contains { fnmatch($0, tag, 0) == 0 }
    }
}
