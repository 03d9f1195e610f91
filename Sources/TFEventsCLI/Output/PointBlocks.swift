import Dispatch
import Synchronization
import TFEvents

/// Points of one file read by a worker, as columns: the file's own tag ids
/// (named in ``newTags`` in the block of their first point), steps, wall
/// times and values. What `scalars` reads from the files before writing
/// them as Arrow batches or rows of text.
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

    mutating func append(_ point: ScalarPointView) {
        tags.append(UInt32(truncatingIfNeeded: point.tagID))
        steps.append(point.step)
        wallTimes.append(point.wallTime)
        values.append(point.scalar.value)
    }

    /// Empties the columns, keeping their room.
    mutating func removeAll() {
        tags.removeAll(keepingCapacity: true)
        steps.removeAll(keepingCapacity: true)
        wallTimes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        newTags.removeAll(keepingCapacity: true)
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
                     progress: (@Sendable (Int) -> Void)? = nil) -> (OrderedFileParts<PointBlock>, DispatchGroup) {
        let ordered = OrderedFileParts<PointBlock>(count: paths.count, partsPerFile: blocksPerFile)
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
                    let summary = scanner.scan(path: paths[index]) { point in
                        // The name of a tag id, with its first point.
                        let id = point.tagID
                        if id >= named.count { named += repeatElement(false, count: id + 1 - named.count) }
                        if !named[id] {
                            named[id] = true
                            block.newTags.append((UInt32(truncatingIfNeeded: id), point.tag))
                        }
                        block.append(point)
                        if block.values.count >= PointBlock.capacity {
                            ordered.push(block, file: index)
                            block = ordered.spare() ?? PointBlock()
                        }
                    }
                    if !block.values.isEmpty || !block.newTags.isEmpty { ordered.push(block, file: index) }
                    progress?(summary.fileSize - reported)
                    ordered.finish(file: index, summary: summary)
                }
            }
        }
        return (ordered, group)
    }
}
