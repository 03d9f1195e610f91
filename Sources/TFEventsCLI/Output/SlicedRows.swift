import Dispatch
import Synchronization
import TFEvents

/// Rows of text for a run of points, made in windows of ``slice`` points
/// per core side by side and written in order: formatting doubles is most
/// of the work of `scalars --format csv/jsonl`, and this spreads it over the
/// cores while the text in memory stays a few megabytes. Each slice's
/// buffer serves window after window (fresh memory is slow to first touch;
/// a buffer sized per window grew by copying).
final class SlicedRows: Sendable {
    /// Points per slice (about 2 MB of CSV with long paths).
    static let slice = 16_384

    /// Slices per window: the cores used.
    let slices: Int
    /// The rows' format.
    let format: ScalarTextRows.Format
    private let slots: Mutex<[ScalarTextRows?]>

    /// Rows in `format`, in windows of `slices` slices.
    init(format: ScalarTextRows.Format, slices: Int) {
        self.format = format
        self.slices = max(1, slices)
        slots = Mutex(Array(repeating: nil, count: self.slices))
    }

    /// Writes to `out` the rows `make` puts in its buffer (emptied, its
    /// row starts forgotten) for each slice of the points `0 ..< count`:
    /// slices of one window are made on several threads at once (`make`
    /// only reads what it shares), then written in order.
    func write(count: Int, to out: StandardOutput,
               _ make: @Sendable (_ points: Range<Int>, _ rows: inout ScalarTextRows) -> Void) {
        var start = 0
        while start < count {
            let end = min(count, start + slices * Self.slice)
            let window = start
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let from = min(end, window + slice * Self.slice), to = min(end, from + Self.slice)
                var rows = take(slice) ?? ScalarTextRows(format: format, capacity: Self.slice * 160)
                rows.removeAll()
                rows.forgetRowPrefixes()
                if from < to { make(from ..< to, &rows) }
                slots.withLock { $0[slice] = rows }
            }
            for slice in 0 ..< slices {
                slots.withLock { slots in
                    guard var rows = slots[slice] else { return }
                    slots[slice] = nil
                    rows.drain { out.write(bytes: $0) }
                    slots[slice] = rows
                }
            }
            start = end
        }
    }

    private func take(_ slice: Int) -> ScalarTextRows? {
        slots.withLock { slots in
            let taken = slots[slice]
            slots[slice] = nil
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

    /// The row start of tag `tag` in `rows`, registered from `field(tag)`
    /// (nil: the tag is filtered out, and so is the result) the first time.
    @inline(__always)
    mutating func id(of tag: Int, path: [UInt8], in rows: inout ScalarTextRows, field: (Int) -> [UInt8]?) -> Int? {
        if ids[tag] == Self.undecided {
            ids[tag] = field(tag).map { rows.rowPrefix(path: path, tag: $0) } ?? -1
        }
        let id = ids[tag]
        return id >= 0 ? id : nil
    }
}
