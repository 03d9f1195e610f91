/// The points of small blocks (files of a few thousand points, as sweeps
/// of many runs write) gathered, in order, into one run of points, so that
/// their rows are made in full slices of ``SlicedRows`` instead of a
/// slice per file: a slice costs a hand-over to a row thread and to the
/// writer, which for 2,000 files of 2,000 points each was most of the time
/// of `scalars --format csv` (thousands of thread wake-ups).
///
/// Gathering copies the points (28 bytes each) into columns that serve
/// batch after batch, so the blocks go back to their readers at once.
struct PointBatch: Sendable {
    /// Blocks of fewer points than this are gathered; larger ones are
    /// written as they are, after what was gathered before them.
    static let smallBlock = SlicedRows.slice

    /// One gathered block: where its points start in ``points``, its file's
    /// path as a field, and the fields of the file's tag ids.
    struct Part: Sendable {
        let start: Int
        let path: [UInt8]
        let fields: [[UInt8]?]
    }

    /// The points of every part, one after another.
    private(set) var points = PointBlock()
    /// The parts, in order.
    private(set) var parts: [Part] = []

    /// Points gathered.
    var count: Int { points.values.count }

    /// Appends the points of `block`, whose file is `path` (a field) and
    /// whose tag ids have the fields `fields`.
    mutating func add(_ block: PointBlock, path: [UInt8], fields: [[UInt8]?]) {
        guard !block.values.isEmpty else { return }
        parts.append(Part(start: count, path: path, fields: fields))
        points.tags.append(contentsOf: block.tags)
        points.steps.append(contentsOf: block.steps)
        points.wallTimes.append(contentsOf: block.wallTimes)
        points.values.append(contentsOf: block.values)
    }

    /// Forgets the points and parts, keeping the room.
    mutating func removeAll() {
        points.removeAll()
        parts.removeAll(keepingCapacity: true)
    }

    /// Calls `body` for each part that has points in `range`, with the
    /// points of `range` in it.
    func forEachPart(in range: Range<Int>, _ body: (Part, Range<Int>) -> Void) {
        // The last part starting at or before the range's start.
        var low = 0, high = parts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if parts[middle].start <= range.lowerBound { low = middle } else { high = middle }
        }
        var index = low
        while index < parts.count, parts[index].start < range.upperBound {
            let end = index + 1 < parts.count ? parts[index + 1].start : count
            let overlap = max(range.lowerBound, parts[index].start) ..< min(range.upperBound, end)
            if !overlap.isEmpty { body(parts[index], overlap) }
            index += 1
        }
    }
}
