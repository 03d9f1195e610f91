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
        let doneBytes = Atomic<Int>(0)
        let partials = plan.readRanges(jobs: workers, skipped: { range in
            progress?(doneBytes.wrappingAdd(plan.rangeSize(range), ordering: .relaxed).newValue)
        }) { range, start in
            var scanner = FileScanner(options: options)
            scanner.requireRankZero = requireRankZero
            let size = plan.rangeSize(range)
            var reported = 0
            if let progress {
                scanner.progress = { offset in
                    let read = min(max(0, offset - start), size)
                    progress(doneBytes.wrappingAdd(read - reported, ordering: .relaxed).newValue)
                    reported = read
                }
            }
            let partial = scanner.scan(path: plan.paths[range.file], from: start, limit: plan.limit(range),
                                       handsOutPoints: false) { _, _, _ in }
            progress?(doneBytes.wrappingAdd(size - reported, ordering: .relaxed).newValue)
            return partial
        }
        return paths.indices.map { file in
            plan.join(partials[file], file: file) { start, range in
                scan(path: paths[file], from: start, limit: plan.limit(range), handsOutPoints: false) { _, _, _ in }
            }.summary
        }
    }
}
