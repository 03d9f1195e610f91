import Dispatch
import Synchronization
import TFRecord
import TFEventsSystem

extension FileScanner {
    /// Scans several files, up to `jobs` at a time, each on its own thread:
    /// the summaries come back in the order of `paths`, each exactly the one
    /// ``scan(path:)`` gives for its file (files are independent; only the
    /// order in which they are read changes, the largest first so that one
    /// big file does not start last).
    ///
    /// - Parameters:
    ///   - paths: the files.
    ///   - jobs: files read at the same time (at least 1).
    ///   - progress: called from the worker threads with the bytes read so
    ///     far, summed over all files.
    public func scan(paths: [String], jobs: Int, progress: (@Sendable (Int) -> Void)? = nil) -> [FileScanSummary] {
        let workers = max(1, min(jobs, paths.count))
        let options = self.options
        let requireRankZero = self.requireRankZero
        guard workers > 1 else {
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
        let sizes = paths.map { (try? FileIdentity(path: $0).size) ?? 0 }
        let order = paths.indices.sorted { sizes[$0] > sizes[$1] || (sizes[$0] == sizes[$1] && $0 < $1) }
        let next = Atomic<Int>(0)
        let doneBytes = Atomic<Int>(0)
        let results = Mutex<[FileScanSummary?]>(Array(repeating: nil, count: paths.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var scanner = FileScanner(options: options)
            scanner.requireRankZero = requireRankZero
            while true {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < order.count else { return }
                let index = order[position]
                var reported = 0
                if let progress {
                    scanner.progress = { offset in
                        progress(doneBytes.wrappingAdd(offset - reported, ordering: .relaxed).newValue)
                        reported = offset
                    }
                }
                let summary = scanner.scan(path: paths[index])
                if let progress {
                    progress(doneBytes.wrappingAdd(summary.fileSize - reported, ordering: .relaxed).newValue)
                }
                results.withLock { $0[index] = summary }
            }
        }
        // Every slot is filled once the workers return.
        return zip(paths, results.withLock { $0 }).map { path, summary in summary ?? FileScanSummary(path: path) }
    }
}
