import Dispatch
import Synchronization
import TFEvents

/// The rows of text of `scalars --format csv/jsonl` read straight from the
/// files: each worker reads a range of a file and formats its points into
/// buffers as it decodes them, and this thread writes the buffers in file
/// order.
///
/// Points are not gathered into columns first: reading, formatting and
/// writing a point touch it once, while it is in the cache. A large
/// uncompressed file is cut into ranges of ``rangeBytes`` (``ScanPlan``),
/// so one file keeps every core busy. A range after a file's first starts
/// at a record boundary recognised by a chain of records that verify; its
/// rows are written only when the reading before it stopped exactly there,
/// and otherwise (damage across a cut, a range without such a boundary)
/// the range is read again from where the reading before it really ended
/// (the rule of ``ScanPlan/join(_:file:read:)``, applied as the ranges
/// arrive, since their rows cannot wait for the whole file): the rows and
/// the file's summary are those one reader going through the file finds.
///
/// Memory stays bounded: at most ``rangesAheadPerWorker`` ranges per
/// worker are taken and not yet written, each with at most
/// ``buffersPerRange`` full buffers waiting; a worker ahead of the writer
/// waits for room (ranges are taken in order, so the range being written is
/// always being read). Written buffers are reused: fresh memory is slow to
/// first touch.
struct FileRows: Sendable {
    /// The size of the ranges a large file is cut into: small enough that
    /// the ranges waiting to be written hold a few megabytes of text (the
    /// 1 GiB eval log's CSV from 2 to 16 MiB ranges took the same time
    /// within the noise, with 53 against 147 MB at the peak).
    static let rangeBytes = 4 << 20
    /// Bytes of rows per buffer handed to the writer.
    static let bufferBytes = 1 << 20
    /// Full buffers a range may have waiting to be written (a range's CSV
    /// is about four times its bytes for an eval log).
    static let buffersPerRange = 16
    /// Ranges a worker may have taken beyond the one being written.
    static let rangesAheadPerWorker = 2

    /// The files, in the order their rows are written.
    let files: [String]
    /// The rows' format.
    let format: ScalarTextRows.Format
    /// The tags whose points are written.
    let filter: TagFilter
    /// How records are read.
    let options: RecordReaderOptions

    /// What the files held that the exit status reports.
    struct Outcome {
        /// A file had corrupt records or could not be read.
        var corrupt = false
        /// A file could not be opened or read.
        var unreadable = false
    }

    /// Full buffers of one range, and where the range was read from.
    private struct Piece: Sendable {
        var rows: ScalarTextRows
        var start = 0
    }

    /// How a range ended: where it was read from and what it found; nil
    /// for a range without a record boundary to start from.
    private struct RangeEnd: Sendable {
        var partial: PartialScan?
    }

    /// Writes the rows of every file to `out` with `workers` threads
    /// reading; `progress` is called from them with bytes read since its
    /// last call. Each file's problems go to standard error after its rows.
    func write(to out: StandardOutput, workers: Int, rangeBytes: Int = Self.rangeBytes,
               progress: @escaping @Sendable (Int) -> Void) -> Outcome {
        let plan = ScanPlan(paths: files, workers: workers, rangeBytes: rangeBytes)
        // Every range, in file order: the order they are written in.
        let ranges = plan.boundaries.indices.flatMap { file in
            plan.boundaries[file].indices.map { ScanPlan.Range(file: file, index: $0) }
        }
        let ordered = OrderedFileParts<Piece, RangeEnd>(count: ranges.count, partsPerFile: Self.buffersPerRange)
        let next = Atomic<Int>(0)
        let group = DispatchGroup()
        let threads = max(1, min(workers, ranges.count))
        // One token per range taken and not yet written (and one spent by
        // each worker finding no range left).
        let ahead = DispatchSemaphore(value: threads * (Self.rangesAheadPerWorker + 1))
        for worker in 0 ..< threads {
            // Queues of their own: a worker waiting for room must not hold
            // a thread of the global pool.
            DispatchQueue(label: "tfevents.file-rows.\(worker)").async(group: group) { [self] in
                while true {
                    ahead.wait()
                    let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard position < ranges.count else { return }
                    let range = ranges[position]
                    guard let start = plan.start(of: range) else {
                        progress(plan.rangeSize(range))
                        ordered.finish(file: position, summary: RangeEnd(partial: nil))
                        continue
                    }
                    let size = plan.rangeSize(range)
                    var reported = 0
                    let partial = read(plan.paths[range.file], from: start, limit: plan.limit(range),
                                       buffer: ordered.spare()?.rows, progress: { offset in
                                           let read = min(max(0, offset - start), size)
                                           progress(read - reported)
                                           reported = read
                                       }) { rows in
                        var piece = ordered.spare() ?? Piece(rows: ScalarTextRows(format: format, capacity: Self.bufferBytes))
                        swap(&piece.rows, &rows)
                        piece.start = start
                        ordered.push(piece, file: position)
                    }
                    progress(size - reported)
                    ordered.finish(file: position, summary: RangeEnd(partial: partial))
                }
            }
        }
        var outcome = Outcome()
        var joined: PartialScan?
        for (position, range) in ranges.enumerated() {
            if range.index == 0 { joined = nil }
            // Where this range's reading must have started to continue the
            // file: nil once the file's reading has ended before it.
            let expected = range.index == 0 ? 0 : joined?.stoppedAtLimit
            var writes: Bool?
            let end = ordered.drain(file: position) { piece in
                if writes == nil { writes = piece.start == expected }
                if writes == true {
                    piece.rows.drain { out.write(bytes: $0) }
                } else {
                    piece.rows.removeAll()
                }
            }
            ahead.signal()
            if let expected {
                let part: PartialScan
                if let partial = end.partial, partial.start == expected {
                    part = partial
                } else {
                    // Read again from where the file's reading stopped,
                    // the rows written as they come.
                    part = read(plan.paths[range.file], from: expected, limit: plan.limit(range), buffer: nil,
                                progress: nil) { rows in rows.drain { out.write(bytes: $0) } }
                }
                if joined == nil { joined = part } else { joined?.append(part) }
            }
            if range.index == plan.boundaries[range.file].count - 1, let summary = joined?.summary {
                for issue in summary.issues { StandardError.report("\(files[range.file]): \(issue.message)") }
                outcome.corrupt = outcome.corrupt || summary.hasCorruption
                outcome.unreadable = outcome.unreadable || summary.unreadable
            }
        }
        group.wait()
        // The tokens the workers spent finding no range left: a semaphore
        // must not be released below its initial value.
        for _ in 0 ..< threads { ahead.signal() }
        return outcome
    }

    /// Reads file `path` from the record boundary `start` up to the first
    /// boundary at or after `limit` (nil: its end), formatting the points
    /// of the tags the filter passes into `buffer` (or a new one); each
    /// full buffer, and the last one unless empty, goes to `emit`, which
    /// leaves an empty buffer in its place.
    private func read(_ path: String, from start: Int, limit: Int?, buffer: ScalarTextRows?,
                      progress: ((Int) -> Void)?, emit: (inout ScalarTextRows) -> Void) -> PartialScan {
        var scanner = FileScanner(options: options)
        scanner.progress = progress
        var rows = buffer ?? ScalarTextRows(format: format, capacity: Self.bufferBytes)
        rows.removeAll()
        rows.forgetRowPrefixes()
        let quotedPath = format.field(path)
        let full = Self.bufferBytes
        var tagRows = TagRows()
        let partial = scanner.scan(path: path, from: start, limit: limit, handsOutPoints: true) { event, points, tags in
            for index in points.indices {
                let point = points[index]
                var prefix = tagRows.prefix(of: point.tagID)
                if prefix == TagRows.unregistered {
                    prefix = tagRows.register(point.tagID, tags: tags, path: quotedPath, filter: filter, in: &rows)
                }
                guard prefix >= 0 else { continue }
                if rows.append(prefix: prefix, step: event.step, wallTime: event.wallTime, value: point.scalar.value) >= full {
                    emit(&rows)
                    rows.removeAll()
                    rows.forgetRowPrefixes()
                    tagRows.forgetPrefixes()
                }
            }
        }
        if rows.count > 0 { emit(&rows) }
        return partial
    }
}

/// Per tag id of one range: its field (nil: filtered out) and its row start
/// in the buffer being filled.
private struct TagRows {
    /// The row start of a tag not registered in the buffer yet.
    static let unregistered = -2
    private var fields: [[UInt8]?] = []
    /// Row starts by tag id: ``unregistered``, -1 (filtered out) or the id
    /// ``ScalarTextRows/rowPrefix(path:tag:)`` gave.
    private var prefixes: [Int] = []

    /// The row start of tag `id`, ``unregistered`` when it has none yet.
    @inline(__always)
    func prefix(of id: Int) -> Int {
        id < prefixes.count ? prefixes[id] : Self.unregistered
    }

    /// Registers the row start of tag `id` (named in `tags`) in `rows`;
    /// returns it, or -1 when the filter leaves the tag out.
    mutating func register(_ id: Int, tags: TagTable, path: [UInt8], filter: TagFilter,
                           in rows: inout ScalarTextRows) -> Int {
        while fields.count <= id {
            let name = tags.tag(fields.count)
            fields.append(filter.matches(name) ? rows.format.field(name) : nil)
        }
        if prefixes.count <= id { prefixes += repeatElement(Self.unregistered, count: id + 1 - prefixes.count) }
        prefixes[id] = fields[id].map { rows.rowPrefix(path: path, tag: $0) } ?? -1
        return prefixes[id]
    }

    /// Forgets the row starts (a new buffer), keeping the fields.
    mutating func forgetPrefixes() {
        for id in prefixes.indices { prefixes[id] = Self.unregistered }
    }
}
