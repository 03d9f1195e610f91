import TFRecord
import TFEventsSystem

/// How the files of one parallel pass (a scan, a best-model search) are cut
/// into ranges, and the order in which the ranges are read.
package struct ScanPlan {
    /// One range: the `index`-th of file `file`.
    package struct Range: Sendable {
        /// The file's position in the paths planned.
        package var file: Int
        /// The range's position in its file.
        package var index: Int

        /// The `index`-th range of file `file`.
        package init(file: Int, index: Int) {
            self.file = file
            self.index = index
        }
    }

    /// The files.
    package let paths: [String]
    /// For each file, the offsets its ranges are searched from (the first is 0).
    package let boundaries: [[Int]]
    /// Each file's size when planned.
    package let sizes: [Int]
    /// Every range, the largest first.
    package let order: [Range]

    /// Plans `paths` for `workers` threads: a file of at least twice the
    /// range size that readers can enter midway is cut into ranges of
    /// `rangeBytes` (nil: the total size over four ranges per worker, at
    /// least ``FileScanner/minimumRangeBytes``).
    package init(paths: [String], workers: Int, rangeBytes: Int?) {
        let sizes = paths.map { (try? FileIdentity(path: $0).size) ?? 0 }
        let total = sizes.reduce(0, +)
        let target = max(1, rangeBytes ?? max(FileScanner.minimumRangeBytes, total / (workers * 4)))
        let boundaries = zip(paths, sizes).map { path, size in
            guard size >= 2 * target, RecordReader.canStartMidway(path: path) else { return [0] }
            let count = size / target
            return (0 ..< count).map { size / count * $0 }
        }
        // (range, bytes) for every range, in file order.
        var ranges: [(range: Range, bytes: Int)] = []
        for (file, starts) in boundaries.enumerated() {
            for (index, start) in starts.enumerated() {
                let end = index + 1 < starts.count ? starts[index + 1] : sizes[file]
                ranges.append((Range(file: file, index: index), end - start))
            }
        }
        self.paths = paths
        self.boundaries = boundaries
        self.sizes = sizes
        order = ranges.indices.sorted { a, b in
            ranges[a].bytes > ranges[b].bytes || (ranges[a].bytes == ranges[b].bytes && a < b)
        }.map { ranges[$0].range }
    }

    /// Where the reader of `range` stops (nil: at the end of the file).
    package func limit(_ range: Range) -> Int? {
        let starts = boundaries[range.file]
        return range.index + 1 < starts.count ? starts[range.index + 1] : nil
    }

    /// The bytes `range` covers, for progress.
    package func rangeSize(_ range: Range) -> Int {
        (limit(range) ?? sizes[range.file]) - boundaries[range.file][range.index]
    }

    /// Where the reader of `range` starts: 0 for a file's first range, else
    /// the first synchronisation point at or after its boundary and before
    /// its limit; nil when there is none (the previous range's reader then
    /// goes on through it when joined).
    package func start(of range: Range) -> Int? {
        let boundary = boundaries[range.file][range.index]
        guard range.index > 0 else { return boundary }
        guard let point = RecordReader.synchronizationPoint(path: paths[range.file], from: boundary),
              limit(range).map({ point < $0 }) ?? true else { return nil }
        return point
    }
}
