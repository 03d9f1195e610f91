import Dispatch
import Synchronization
import TFRecord
import TFEventsSystem

extension FileScanner {
    /// The smallest range of one file that a worker is given on its own.
    package static let minimumRangeBytes = 32 << 20

    /// Scans several files with up to `jobs` threads: the summaries come back
    /// in the order of `paths`, each exactly the one ``scan(path:)`` gives
    /// for its file.
    ///
    /// Files are read the largest first, so that one big file does not start
    /// last. A large uncompressed file is cut into ranges read side by side:
    /// each range after the first starts at a record boundary recognised by a
    /// chain of records that verify, and the ranges are joined only where the
    /// reader of one range stopped exactly where the next one started; where
    /// it did not (damage across a cut), that range is read again from where
    /// the previous one really ended. The joined summary is the one a single
    /// reader finds.
    ///
    /// - Parameters:
    ///   - paths: the files.
    ///   - jobs: threads reading at the same time (at least 1).
    ///   - progress: called from the worker threads with the bytes read so
    ///     far, summed over all files.
    public func scan(paths: [String], jobs: Int, progress: (@Sendable (Int) -> Void)? = nil) -> [FileScanSummary] {
        scan(paths: paths, jobs: jobs, rangeBytes: nil, progress: progress)
    }

    /// ``scan(paths:jobs:progress:)`` with the size of the ranges large files
    /// are cut into (nil: from the total size and `jobs`; tests pass small
    /// sizes to cut small files).
    package func scan(paths: [String], jobs: Int, rangeBytes: Int?,
                      progress: (@Sendable (Int) -> Void)?) -> [FileScanSummary] {
        let workers = max(1, jobs)
        guard workers > 1, !paths.isEmpty else {
            var scanner = self
            var done = 0
            return paths.map { path in
                if let progress { scanner.progress = { progress(done + $0) } }
                let summary = scanner.scan(path: path)
                done += summary.fileSize
                progress?(done)
                return summary
            }
        }
        let plan = ScanPlan(paths: paths, workers: workers, rangeBytes: rangeBytes)
        let options = self.options
        let requireRankZero = self.requireRankZero
        let next = Atomic<Int>(0)
        let doneBytes = Atomic<Int>(0)
        let results = Mutex<[[PartialScan?]]>(plan.boundaries.map { Array(repeating: nil, count: $0.count) })
        DispatchQueue.concurrentPerform(iterations: min(workers, plan.order.count)) { _ in
            var scanner = FileScanner(options: options)
            scanner.requireRankZero = requireRankZero
            while true {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < plan.order.count else { return }
                let range = plan.order[position]
                let path = paths[range.file]
                let size = plan.rangeSize(range)
                guard let start = plan.start(of: range, path: path) else {
                    progress.map { $0(doneBytes.wrappingAdd(size, ordering: .relaxed).newValue) }
                    continue
                }
                var reported = 0
                if let progress {
                    scanner.progress = { offset in
                        let read = min(max(0, offset - start), size)
                        progress(doneBytes.wrappingAdd(read - reported, ordering: .relaxed).newValue)
                        reported = read
                    }
                }
                let partial = scanner.scan(path: path, from: start, limit: plan.limit(range),
                                           handsOutPoints: false) { _ in }
                progress.map { $0(doneBytes.wrappingAdd(size - reported, ordering: .relaxed).newValue) }
                results.withLock { $0[range.file][range.index] = partial }
            }
        }
        let partials = results.withLock { $0 }
        return paths.indices.map { file in
            join(partials[file], path: paths[file], plan: plan, file: file)
        }
    }

    /// The summary of file `file` from its ranges' scans, reading again
    /// where a range's reader did not stop where the next range started.
    private func join(_ partials: [PartialScan?], path: String, plan: ScanPlan, file: Int) -> FileScanSummary {
        var joined = partials[0] ?? scan(path: path, from: 0, limit: plan.limit(.init(file: file, index: 0)),
                                         handsOutPoints: false) { _ in }
        var index = 1
        while let end = joined.stoppedAtLimit, index < partials.count {
            if let next = partials[index], next.start == end {
                joined.append(next)
            } else {
                joined.append(scan(path: path, from: end, limit: plan.limit(.init(file: file, index: index)),
                                   handsOutPoints: false) { _ in })
            }
            index += 1
        }
        return joined.summary
    }
}
