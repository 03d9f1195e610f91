import Dispatch
import Synchronization
import TFEvents

/// Points of one file read by a worker, as columns: the file's own tag ids
/// (named in ``newTags`` in the block of their first point), steps, wall
/// times and values. What `scalars --format arrow` reads from the files
/// before writing them as Arrow batches.
struct PointBlock: Sendable {
    /// Points per block: one Arrow batch.
    static let capacity = 1 << 16
    /// 0, 1, 2, ...: each point is its own event (``ArrowScalarWriter``
    /// takes points that share events).
    static let identity = (0 ..< UInt32(capacity)).map { $0 }

    var tags: [UInt32] = []
    var steps: [Int64] = []
    var wallTimes: [Double] = []
    var values: [Double] = []
    /// The names of the file's tag ids whose first point is in this block.
    var newTags: [(id: UInt32, name: String)] = []

    /// Points written by ``append(_:_:range:)`` since the block was
    /// emptied; the columns may be longer (zeros after them) until
    /// ``finishFilling()``.
    private(set) var filled = 0

    /// Lengthens the columns to at least `needed` (at most ``capacity``)
    /// with zeros, doubling: writing into place checks each column's
    /// ownership once per event, where appending checked it per point and
    /// column (a third of what reading the points cost).
    private mutating func lengthen(to needed: Int) {
        let length = min(Self.capacity, max(needed, 1024, values.count * 2))
        let extra = length - values.count
        tags.append(contentsOf: repeatElement(0, count: extra))
        steps.append(contentsOf: repeatElement(0, count: extra))
        wallTimes.append(contentsOf: repeatElement(0, count: extra))
        values.append(contentsOf: repeatElement(0, count: extra))
    }

    /// Writes the points `range` of `event` after those written before.
    ///
    /// - Precondition: they fit (`filled + range.count <= capacity`).
    mutating func append(_ event: ScannedEvent, _ points: Span<ScannedPoint>, range: Range<Int>) {
        if values.count < filled + range.count { lengthen(to: filled + range.count) }
        let at = filled - range.lowerBound
        // A column at a time: a span of one stored property is an access to
        // the whole block, so two cannot be open at once.
        do {
            var column = tags.mutableSpan
            for index in range { column[at + index] = UInt32(truncatingIfNeeded: points[index].tagID) }
        }
        do {
            var column = steps.mutableSpan
            for index in range { column[at + index] = event.step }
        }
        do {
            var column = wallTimes.mutableSpan
            for index in range { column[at + index] = event.wallTime }
        }
        do {
            var column = values.mutableSpan
            for index in range { column[at + index] = points[index].scalar.value }
        }
        filled += range.count
    }

    /// Cuts the columns to the points written, before the block is handed
    /// over.
    mutating func finishFilling() {
        let unused = values.count - filled
        tags.removeLast(unused)
        steps.removeLast(unused)
        wallTimes.removeLast(unused)
        values.removeLast(unused)
        filled = 0
    }

    /// Empties the columns, keeping their room.
    mutating func removeAll() {
        tags.removeAll(keepingCapacity: true)
        steps.removeAll(keepingCapacity: true)
        wallTimes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        newTags.removeAll(keepingCapacity: true)
        filled = 0
    }

    /// Starts reading `paths` on `workers` threads (files taken in order)
    /// into blocks handed over in file order through the returned queues
    /// (at most `blocksPerFile` waiting per file); the group is left when every worker is done. `progress`, when given,
    /// is called with the bytes read since its last call.
    ///
    /// Each worker runs on a queue of its own rather than the global one: a
    /// worker waiting for room would otherwise hold one of the global pool's
    /// threads (one per core), and what the consumer spreads over the pool
    /// (`concurrentPerform`) would run on its thread alone.
    static func read(_ paths: [String], workers: Int, blocksPerFile: Int, options: RecordReaderOptions,
                     progress: (@Sendable (Int) -> Void)? = nil) -> (OrderedFileParts<PointBlock, FileScanSummary>, DispatchGroup) {
        let ordered = OrderedFileParts<PointBlock, FileScanSummary>(count: paths.count, partsPerFile: blocksPerFile)
        let next = Atomic<Int>(0)
        let group = DispatchGroup()
        for worker in 0 ..< workers {
            DispatchQueue(label: "tfevents.file-reader.\(worker)").async(group: group) {
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < paths.count else { return }
                    var block = ordered.spare() ?? PointBlock()
                    var named: [Bool] = []
                    var scanner = FileScanner(options: options)
                    var reported = 0
                    if let progress {
                        scanner.progress = { offset in
                            progress(offset - reported)
                            reported = offset
                        }
                    }
                    let summary = scanner.scan(path: paths[index]) { event, points, tags in
                        var start = 0
                        while start < points.count {
                            // As many as fit; an event may end in the next block.
                            let end = min(points.count, start + PointBlock.capacity - block.filled)
                            // The name of a tag id, in the block of its first point.
                            for point in start ..< end {
                                let id = points[point].tagID
                                if id >= named.count { named += repeatElement(false, count: id + 1 - named.count) }
                                if !named[id] {
                                    named[id] = true
                                    block.newTags.append((UInt32(truncatingIfNeeded: id), tags.tag(id)))
                                }
                            }
                            block.append(event, points, range: start ..< end)
                            start = end
                            if block.filled == PointBlock.capacity {
                                block.finishFilling()
                                ordered.push(block, file: index)
                                block = ordered.spare() ?? PointBlock()
                            }
                        }
                    }
                    let any = block.filled > 0 || !block.newTags.isEmpty
                    block.finishFilling()
                    if any { ordered.push(block, file: index) }
                    progress?(summary.fileSize - reported)
                    ordered.finish(file: index, summary: summary)
                }
            }
        }
        return (ordered, group)
    }
}
