import Dispatch
import Synchronization
import TFEvents

/// Rows of text for runs of points, made in windows of ``slice`` points per
/// core side by side and written in order: formatting doubles is most of
/// the work of `scalars --format csv/jsonl`, and this spreads it over the
/// cores while the text in memory stays a few megabytes.
///
/// A window is written on a thread of its own while the next one is made
/// (two sets of buffers take turns): into a pipe, whose reader takes its
/// time, making and writing overlap instead of alternating. Each buffer
/// serves window after window (fresh memory is slow to first touch).
final class SlicedRows: Sendable {
    /// Points per slice (about 2 MB of CSV with long paths).
    static let slice = 16_384

    /// Slices per window: the cores used.
    let slices: Int
    /// The rows' format.
    let format: ScalarTextRows.Format
    /// Standard output: written only on `writer` from the first window
    /// to ``finish()``.
    private nonisolated(unsafe) let out: StandardOutput
    private let writer = DispatchQueue(label: "tfevents.rows-writer")
    /// Buffer sets not being made or written.
    private let free = DispatchSemaphore(value: 2)
    /// Two sets of `slices` buffers, taking turns.
    private let sets: Mutex<[[ScalarTextRows?]]>
    private let nextSet = Atomic<Int>(0)

    /// The slices per window for `cores` cores writing to `out`: one core
    /// fewer into a pipe, whose reader needs one.
    static func slices(cores: Int, writingTo out: StandardOutput) -> Int {
        out.isPipe ? max(1, cores - 1) : cores
    }

    /// Rows in `format` for `out`, in windows of `slices` slices.
    init(format: ScalarTextRows.Format, slices: Int, out: StandardOutput) {
        self.format = format
        self.slices = max(1, slices)
        self.out = out
        sets = Mutex(Array(repeating: Array(repeating: nil, count: max(1, slices)), count: 2))
    }

    /// Writes the rows `make` puts in its buffer (emptied, its row starts
    /// forgotten) for each slice of the points `0 ..< count`: the slices of
    /// a window are made on several threads at once (`make` only reads
    /// what it shares), then handed to the writer in order.
    func write(count: Int, _ make: @Sendable (_ points: Range<Int>, _ rows: inout ScalarTextRows) -> Void) {
        var start = 0
        while start < count {
            let end = min(count, start + slices * Self.slice)
            let window = start
            free.wait()
            let set = nextSet.wrappingAdd(1, ordering: .relaxed).oldValue & 1
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let from = min(end, window + slice * Self.slice), to = min(end, from + Self.slice)
                var rows = take(set, slice) ?? ScalarTextRows(format: format, capacity: Self.slice * 160)
                rows.removeAll()
                rows.forgetRowPrefixes()
                if from < to { make(from ..< to, &rows) }
                sets.withLock { $0[set][slice] = rows }
            }
            writer.async { [self] in
                for slice in 0 ..< slices {
                    guard var rows = take(set, slice) else { continue }
                    rows.drain { out.write(bytes: $0) }
                    sets.withLock { $0[set][slice] = rows }
                }
                free.signal()
            }
            start = end
        }
    }

    /// Waits until every window handed over is written (before anything
    /// else writes to standard output).
    func finish() {
        writer.sync {}
    }

    private func take(_ set: Int, _ slice: Int) -> ScalarTextRows? {
        sets.withLock { sets in
            let taken = sets[set][slice]
            sets[set][slice] = nil
            return taken
        }
    }
}

/// Per tag id, the row start (path and tag) a slice's rows registered, made
/// the first time the slice uses the tag: an array lookup per point.
struct RowStarts {
    private static let undecided = -2
    private var ids: [Int]

    /// Room for `tags` tag ids.
    init(tags: Int) { ids = [Int](repeating: Self.undecided, count: tags) }

    /// The row start of tag `tag` in `rows`, registered from `fields[tag]`
    /// (nil: the tag is filtered out, and so is the result) the first time.
    @inline(__always)
    mutating func id(of tag: Int, path: [UInt8], in rows: inout ScalarTextRows, fields: [[UInt8]?]) -> Int? {
        if ids[tag] == Self.undecided {
            ids[tag] = fields[tag].map { rows.rowPrefix(path: path, tag: $0) } ?? -1
        }
        let id = ids[tag]
        return id >= 0 ? id : nil
    }
}
