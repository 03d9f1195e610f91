import Dispatch
import Synchronization

/// What the reader of one range of a file found, joinable with what the
/// reader of the range after it found: the part a parallel pass over
/// ranges (``ScanPlan/readRanges(jobs:skipped:_:)``) makes of each range.
package protocol RangeReading: Sendable {
    /// The record boundary the range was read from.
    var start: Int { get }
    /// The first record boundary at or after the range's limit, where
    /// reading stopped; nil when the end of the file (or an error that
    /// stops the file) ended it.
    var stoppedAtLimit: Int? { get }
    /// Appends `next`, read from ``stoppedAtLimit``: the result is what one
    /// reader going through both would have found.
    mutating func append(_ next: Self)
}

extension ScanPlan {
    /// Reads every range with up to `jobs` threads, the largest first:
    /// `read(range, start)` reads `range` from the record boundary `start`
    /// up to ``limit(_:)``; a range without a synchronisation point is
    /// passed to `skipped` and left nil (its file's previous range reads
    /// through it when joined).
    ///
    /// - Returns: the parts, by file and range.
    package func readRanges<Part: RangeReading>(jobs: Int, skipped: @Sendable (Range) -> Void = { _ in },
                                                _ read: @Sendable (Range, Int) -> Part) -> [[Part?]] {
        let results = Mutex<[[Part?]]>(boundaries.map { Array(repeating: nil, count: $0.count) })
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, order.count))) { _ in
            while true {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < order.count else { return }
                let range = order[position]
                guard let start = start(of: range) else {
                    skipped(range)
                    continue
                }
                let part = read(range, start)
                results.withLock { $0[range.file][range.index] = part }
            }
        }
        return results.withLock { $0 }
    }

    /// The parts of file `file` joined in order, used only where a part's
    /// reader started exactly where the previous one stopped; elsewhere
    /// (damage across a cut, a range without a start) `read(start, range)`
    /// reads `range` again from where the previous reader really stopped.
    package func join<Part: RangeReading>(_ parts: [Part?], file: Int, read: (Int, Range) -> Part) -> Part {
        var joined = parts[0] ?? read(0, Range(file: file, index: 0))
        var index = 1
        while let end = joined.stoppedAtLimit, index < parts.count {
            if let part = parts[index], part.start == end {
                joined.append(part)
            } else {
                joined.append(read(end, Range(file: file, index: index)))
            }
            index += 1
        }
        return joined
    }
}
