import Dispatch
import Synchronization

/// The scalar tags of one run, each reduced chunk by chunk: what a chart
/// needs of a series of any length.
package struct DecimatedRun: Sendable {
    /// The run.
    package var run: String
    /// Tag → the reductions of its chunks, in file order. Each is on a grid
    /// fitted to the tag's steps in that chunk, at most `maxColumns` wide,
    /// so all of them nest in any grid of that width covering the tag
    /// (``DecimatedSeries/merge(_:onto:)``).
    package var tags: [String: [DecimatedSeries]]
    /// Tags in order of first appearance.
    package var tagOrder: [String]
}

extension LogdirIndex {
    /// Every scalar series of `runs` whose tag passes `include`, decimated
    /// per stored chunk without building the full series: chunks are
    /// decoded on `jobs` threads, each reduced to at most four points per
    /// column of a grid of `maxColumns` columns.
    ///
    /// Memory is bounded by the chunks in flight and the reductions (at
    /// most `4 × maxColumns` points per tag per chunk), whatever the
    /// number of points. Points keep their file order (sequence numbers
    /// are the chunk's position in the run and the point's in the chunk).
    ///
    /// - Throws: ``IndexError`` when a stored chunk is damaged.
    package func decimatedScalars(runs: [String], maxColumns: Int, jobs: Int = IndexOptions().jobs,
                                 include: @escaping @Sendable (String) -> Bool = { _ in true })
        throws(IndexError) -> [DecimatedRun] {
        struct Work: Sendable {
            var run: Int
            var file: IndexedFile
            var chunk: Int
            var ordinal: Int
        }
        var work: [Work] = []
        var tagOrders: [[String]] = []
        for (runIndex, run) in runs.enumerated() {
            var ordinal = 0
            var order: [String] = []
            var seen = Set<String>()
            for file in files(inRun: run) {
                for tag in file.tags where tag.scalarCount > 0 && include(tag.name) && seen.insert(tag.name).inserted {
                    order.append(tag.name)
                }
                let wanted = file.tags.contains { $0.scalarCount > 0 && include($0.name) }
                for chunk in file.chunks.indices {
                    if wanted && file.chunks[chunk].pointCount > 0 {
                        work.append(Work(run: runIndex, file: file, chunk: chunk, ordinal: ordinal))
                    }
                    ordinal += 1
                }
            }
            tagOrders.append(order)
        }

        let jobsToDo = work
        let results = Mutex<[[String: DecimatedSeries]?]>(Array(repeating: nil, count: work.count))
        let failure = Mutex<IndexError?>(nil)
        let next = Atomic<Int>(0)
        let workers = max(1, min(jobs, work.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while failure.withLock({ $0 == nil }) {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < jobsToDo.count else { return }
                let item = jobsToDo[position]
                do throws(IndexError) {
                    let chunk = try self.chunk(item.chunk, of: item.file, scalarsOnly: true)
                    let reduced = Self.decimate(chunk, tags: item.file.tags, ordinal: item.ordinal,
                                                maxColumns: maxColumns, include: include)
                    results.withLock { $0[position] = reduced }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }

        var decimated = runs.enumerated().map { DecimatedRun(run: $0.element, tags: [:], tagOrder: tagOrders[$0.offset]) }
        let reductions = results.withLock { $0 }
        for (item, reduced) in zip(work, reductions) {
            guard let reduced else { continue }
            for (tag, part) in reduced { decimated[item.run].tags[tag, default: []].append(part) }
        }
        return decimated
    }

    /// One chunk's scalar points, per wanted tag, on a grid fitted to that
    /// tag's steps in the chunk.
    static func decimate(_ chunk: FileChunk, tags: [TagInfo], ordinal: Int, maxColumns: Int,
                         include: (String) -> Bool) -> [String: DecimatedSeries] {
        let wanted = tags.map { $0.scalarCount > 0 && include($0.name) }
        var lower = [Int64](repeating: .max, count: tags.count)
        var upper = [Int64](repeating: .min, count: tags.count)
        let count = chunk.pointCount
        // Pass 1: each tag's step range in the chunk.
        for point in 0 ..< count {
            let tag = Int(chunk.pointTags[point])
            guard wanted[tag] else { continue }
            let step = chunk.eventSteps[Int(chunk.pointEvents[point])]
            if step < lower[tag] { lower[tag] = step }
            if step > upper[tag] { upper[tag] = step }
        }
        let active = tags.indices.map { wanted[$0] && lower[$0] <= upper[$0] }
        var reducers: [ColumnReducer] = tags.indices.map { tag in
            // An inactive tag gets a one-column placeholder that is never fed.
            active[tag] ? ColumnReducer(grid: StepGrid(lower: lower[tag], upper: upper[tag], maxColumns: maxColumns))
                        : ColumnReducer(grid: StepGrid(lower: 0, upper: 0, maxColumns: 1))
        }
        // Pass 2: reduce. Sequence numbers: chunk ordinal, then point.
        let base = Int64(ordinal) << 32
        for point in 0 ..< count {
            let tag = Int(chunk.pointTags[point])
            guard active[tag] else { continue }
            let step = chunk.eventSteps[Int(chunk.pointEvents[point])]
            reducers[tag].add(sequence: base | Int64(point), step: step, value: chunk.values[point])
        }
        var result: [String: DecimatedSeries] = [:]
        for tag in tags.indices where active[tag] {
            if let series = reducers[tag].finish() { result[tags[tag].name] = series }
        }
        return result
    }
}
