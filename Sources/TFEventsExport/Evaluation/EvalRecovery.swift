import TFRecord
import TFEventsCore
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Recovers the best evaluation from a model directory's eval event files:
/// what `BestExporter` does on its first export (FORMAT §6.5), streaming.
///
/// Files are those matching a glob relative to the model directory
/// (TensorFlow's `event_file_pattern`, default `eval/*.tfevents.*`), read
/// in sorted path order — TensorFlow takes `gfile.Glob`'s order, which is
/// the directory's order and not reproducible — and events in file order,
/// each fed to a ``BestTracker``. A truncated tail is a file still being
/// written, not an error. A corrupt record is skipped and reported in
/// ``Result/issues`` (in strict mode it throws, as TensorFlow's
/// `DataLossError` does).
///
/// ```swift
/// let result = try EvalRecovery.recover(modelDirectory: "model_dir", comparison: .larger("accuracy"))
/// if let best = result.best { print(best.globalStep, best.metrics["accuracy"]!) }
/// ```
public enum EvalRecovery {
    /// TensorFlow's default `event_file_pattern`.
    public static let defaultPattern = "eval/*.tfevents.*"

    /// The pattern for the evaluations named `name` (`EvalSpec(name=...)`
    /// writes them to `eval_<name>/`); the default pattern for nil or "".
    public static func pattern(evalName name: String?) -> String {
        guard let name, !name.isEmpty else { return defaultPattern }
        return "eval_\(name)/*.tfevents.*"
    }

    /// A problem met while reading, that did not stop the recovery.
    public struct Issue: Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// Offset of the record concerned (0 when the file could not be opened).
        public var offset: Int
        /// What happened.
        public var message: String
        /// `path: message`.
        public var description: String { "\(path): \(message)" }
    }

    /// How far one file has been read: where to resume.
    public struct FileProgress: Sendable, Equatable {
        /// The file.
        public var path: String
        /// Offset after the last complete record read (a record boundary).
        public var offset = 0
        /// Events read so far: the index of the next event.
        public var eventCount = 0
        /// Bytes after ``offset`` that do not form a whole record yet.
        public var pendingBytes = 0
        /// The file's identity when last read, to notice a replaced file.
        public var identity: FileIdentity?
        /// Reading stopped at damage it cannot get past; not read again.
        public var stopped = false
        /// The file is compressed: offsets are in the decoded stream, and
        /// it is decoded from its start each time it grows.
        public var isCompressed = false
        /// The file was deleted (it is read from its start if a file of
        /// that name appears again).
        public var deleted = false

        /// A file not read yet.
        public init(path: String) { self.path = path }
    }

    /// What a recovery found.
    public struct Result: Sendable {
        /// The best evaluation, nil when there is none.
        public var best: EvalResult?
        /// The newest comparable evaluation, when asked for (``BestTracker/Options/trackNewest``).
        public var newest: EvalResult?
        /// Counts of evaluations seen and skipped.
        public var statistics: BestTracker.Statistics
        /// The files read, in reading order, with how far each was read.
        public var files: [FileProgress]
        /// Problems that did not stop the recovery.
        public var issues: [Issue]
    }

    /// The files matching `pattern`, sorted by path bytes.
    ///
    /// - Parameters:
    ///   - modelDirectory: the directory a relative pattern starts from (its
    ///     own glob characters are escaped).
    ///   - pattern: a `glob(3)` pattern (`*`, `?`, `[...]`), relative or absolute.
    /// - Returns: regular files only; nothing when the pattern is empty.
    public static func eventFiles(modelDirectory: String, pattern: String) -> [String] {
        guard !pattern.isEmpty else { return [] }
        let full = pattern.hasPrefix("/") ? pattern : FilePaths.join(escapeGlob(modelDirectory), pattern)
        let files = FileOperations.glob(full).filter { (try? FileIdentity(path: $0))?.isRegularFile == true }
        return files.sorted(by: FilePaths.bytewiseLess)
    }

    /// `path` with `*`, `?`, `[` and `\` escaped for `glob(3)`.
    static func escapeGlob(_ path: String) -> String {
        var out = ""
        for character in path {
            if character == "*" || character == "?" || character == "[" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// Recovers the best evaluation from the files matching `pattern`.
    ///
    /// - Throws: ``ExportError/comparisonFailed(_:at:globalStep:bestSoFar:)``
    ///   (strict mode, custom comparisons); in strict mode also
    ///   ``ExportError/unreadableEventFile(_:)`` and ``ExportError/corruptEventFile(_:)``.
    public static func recover(modelDirectory: String, pattern: String = defaultPattern,
                               comparison: MetricComparison = .lossSmaller,
                               options: BestTracker.Options = .init(),
                               readerOptions: RecordReaderOptions = .init()) throws(ExportError) -> Result {
        let files = eventFiles(modelDirectory: modelDirectory, pattern: pattern)
        return try recover(files: files, comparison: comparison, options: options, readerOptions: readerOptions,
                           jobs: ObjectStores.defaultReaders(for: files, cores: ProcessInfoLite.activeProcessorCount))
    }

    /// Recovers the best evaluation from `files`, read in the order given.
    ///
    /// With a built-in comparison (smaller or larger of one metric, not
    /// strict), several files are read at once, one per core: each file's
    /// first best is found on its own, and the files' bests are then merged
    /// in file order with the same strictly-better rule, which gives exactly
    /// the sequential answer.
    ///
    /// A large uncompressed file is read in ranges side by side as
    /// `FileScanner` does (`rangeBytes`: their size, nil to choose it from
    /// the total and `jobs`): each range's first best is found on its own
    /// and merged in order, event indices counted on from the ranges
    /// before; ranges are joined only where one range's reader stopped
    /// exactly where the next one started, and read again from there
    /// otherwise.
    package static func recover(files: [String], comparison: MetricComparison = .lossSmaller,
                               options: BestTracker.Options = .init(),
                               readerOptions: RecordReaderOptions = .init(),
                               jobs: Int = ProcessInfoLite.activeProcessorCount,
                               rangeBytes: Int? = nil) throws(ExportError) -> Result {
        if jobs > 1, comparison.metric != nil, !options.strict, !files.isEmpty {
            let plan = ScanPlan(paths: files, workers: jobs, rangeBytes: rangeBytes)
            if plan.order.count > 1 {
                return recoverInParallel(files: files, plan: plan, comparison: comparison, options: options,
                                         readerOptions: readerOptions, jobs: jobs)
            }
        }
        var tracker = BestTracker(comparison: comparison, options: options)
        var progress = files.map(FileProgress.init(path:))
        var issues: [Issue] = []
        for index in progress.indices {
            try read(&progress[index], into: &tracker, issues: &issues, readerOptions: readerOptions)
        }
        return Result(best: tracker.best, newest: tracker.newest, statistics: tracker.statistics,
                      files: progress, issues: issues)
    }

    /// What was found in one range of a file, or in a whole file.
    private struct Part: RangeReading {
        /// Where its reader started.
        var start: Int
        /// How far it was read; event indices from the part's start.
        var progress: FileProgress
        var best: EvalResult?
        var newest: EvalResult?
        var statistics: BestTracker.Statistics
        var issues: [Issue]
        var stoppedAtLimit: Int?
        /// How bests are compared when parts are joined.
        let comparison: MetricComparison
        /// Whether a later equal best wins (``BestTracker/Options/tiesGoToLatest``).
        let tiesGoToLatest: Bool

        /// Reads `path` from `start` up to `limit` into a fresh tracker.
        init(path: String, start: Int, limit: Int?, comparison: MetricComparison, options: BestTracker.Options,
             readerOptions: RecordReaderOptions) {
            var tracker = BestTracker(comparison: comparison, options: options)
            var progress = FileProgress(path: path)
            progress.offset = start
            var issues: [Issue] = []
            // Not strict, built-in comparison: nothing here throws.
            let stopped = try? EvalRecovery.read(&progress, into: &tracker, issues: &issues,
                                                 readerOptions: readerOptions, limit: limit)
            self.start = start
            self.progress = progress
            best = tracker.best
            newest = tracker.newest
            statistics = tracker.statistics
            self.issues = issues
            stoppedAtLimit = stopped
            self.comparison = comparison
            tiesGoToLatest = options.tiesGoToLatest
        }

        /// Appends `next`, the range of the same file read from where this
        /// part stopped: its event indices count on from this part's.
        mutating func append(_ next: Part) {
            merge(next, eventIndexBase: progress.eventCount)
            let identity = progress.identity
            let events = progress.eventCount + next.progress.eventCount
            progress = next.progress
            progress.identity = identity
            progress.eventCount = events
            stoppedAtLimit = next.stoppedAtLimit
        }

        /// Merges the bests, newest, counts and issues of `next` (read after
        /// this part), keeping the first of equally good bests (the last
        /// with ``tiesGoToLatest``).
        mutating func merge(_ next: Part, eventIndexBase base: Int = 0) {
            func shifted(_ result: EvalResult?) -> EvalResult? {
                guard var result, base != 0 else { return result }
                result.source?.eventIndex += base
                return result
            }
            issues += next.issues
            statistics.add(next.statistics)
            if let candidate = shifted(next.best) {
                if let current = best {
                    var wins = (try? comparison.isBetter(best: current, current: candidate)) == true
                    if !wins, tiesGoToLatest, let metric = comparison.metric, let value = candidate.metrics[metric] {
                        wins = value == current.metrics[metric]
                    }
                    if wins {
                        best = candidate
                        statistics.improvements += 1
                    }
                } else {
                    best = candidate
                }
            }
            if let candidate = shifted(next.newest) { newest = candidate }
        }
    }

    /// The parallel form of ``recover(files:comparison:options:readerOptions:jobs:rangeBytes:)``
    /// for built-in comparisons (which cannot throw outside strict mode).
    private static func recoverInParallel(files: [String], plan: ScanPlan, comparison: MetricComparison,
                                          options: BestTracker.Options, readerOptions: RecordReaderOptions,
                                          jobs: Int) -> Result {
        @Sendable func read(_ range: ScanPlan.Range, from start: Int) -> Part {
            Part(path: files[range.file], start: start, limit: plan.limit(range), comparison: comparison,
                 options: options, readerOptions: readerOptions)
        }
        let parts = plan.readRanges(jobs: jobs) { range, start in read(range, from: start) }
        var total: Part?
        var progress: [FileProgress] = []
        for file in files.indices {
            let joined = plan.join(parts[file], file: file) { start, range in read(range, from: start) }
            progress.append(joined.progress)
            if total == nil { total = joined } else { total?.merge(joined) }
        }
        return Result(best: total?.best, newest: total?.newest, statistics: total?.statistics ?? .init(),
                      files: progress, issues: total?.issues ?? [])
    }

    /// Reads `file` from where it was left into `tracker`: the whole file
    /// the first time, only what was appended later. A file that shrank or
    /// was replaced is read again from the start.
    ///
    /// With a `limit`, reading stops at the first record boundary at or
    /// after it, which is returned (a range of a file read by one worker of
    /// ``recover(files:comparison:options:readerOptions:jobs:rangeBytes:)``).
    @discardableResult
    static func read(_ file: inout FileProgress, into tracker: inout BestTracker, issues: inout [Issue],
                     readerOptions: RecordReaderOptions, limit: Int? = nil) throws(ExportError) -> Int? {
        guard !file.stopped else { return nil }
        let strict = tracker.options.strict
        // The identity is taken before reading, so that bytes appended while
        // reading make the next poll see a different size and read them.
        let identity = try? FileIdentity(path: file.path)
        if let identity, let previous = file.identity {
            if !identity.isSameFile(as: previous) || (!file.isCompressed && identity.size < file.offset)
                || identity.size < previous.size {
                file = FileProgress(path: file.path)  // replaced or rewritten: start over
            } else if identity.size == previous.size
                        && identity.modificationTimeNanoseconds == previous.modificationTimeNanoseconds {
                return nil  // nothing new
            }
        }
        var reader: EventFileReader
        do {
            reader = try EventFileReader(path: file.path, startOffset: file.offset, options: readerOptions)
        } catch {
            if strict { throw .unreadableEventFile(error) }
            if case .open(let code) = error.reason, code.code == ENOENT {
                // Deleted since it was listed (or read): rotation, not damage.
                // Reported never, and not read again unless it reappears.
                file.stopped = true
                file.deleted = true
                return nil
            }
            issues.append(Issue(path: file.path, offset: file.offset, message: error.message))
            return nil
        }
        file.identity = identity
        // Compressed files are always decoded from their start.
        file.isCompressed = reader.compression != .none
        let skipBefore = file.isCompressed ? file.offset : 0
        var stoppedAtLimit: Int?
        // Built-in comparisons in default mode: the records of the buffer
        // that verify and decode are scanned in one loop; whatever it leaves
        // (the buffer's end, a bad record, a summary that does not decode)
        // is read below, one at a time.
        let quick = tracker.observesScans
        let metric = tracker.scanMetric
        let includeTensorScalars = tracker.options.includeTensorScalars
        let path = file.path  // read once: through `file` it was retained per event
        while true {
            if quick {
                reader.forEachBufferedScan(metric: metric, includeTensorScalars: includeTensorScalars,
                                           before: limit ?? .max) { event, scan in
                    if event.recordOffset < skipBefore { return true }
                    tracker.observe(event, scanned: scan, path: path, eventIndex: file.eventCount)
                    file.eventCount += 1
                    return true
                }
            }
            if let limit, reader.offset >= limit {
                stoppedAtLimit = reader.offset
                break
            }
            let event: EventView?
            do {
                event = try reader.next()
            } catch {
                if strict { throw .corruptEventFile(error) }
                issues.append(Issue(path: file.path, offset: error.offset, message: error.message))
                if error.isResumable { continue }
                file.stopped = true
                break
            }
            guard let event else { break }
            if event.recordOffset < skipBefore { continue }
            let index = file.eventCount
            file.eventCount += 1
            do {
                try tracker.observe(event, path: file.path, eventIndex: index)
            } catch {
                if strict { throw error }
                if case .corruptEventFile(let readError) = error {
                    issues.append(Issue(path: file.path, offset: readError.offset, message: readError.message))
                    continue
                }
                throw error
            }
        }
        switch reader.endState {
        case .clean(let offset):
            file.offset = offset
            file.pendingBytes = 0
        case let .truncated(validEnd, trailingBytes):
            file.offset = validEnd
            file.pendingBytes = trailingBytes
        case .stopped(let offset):
            file.offset = offset
            file.stopped = true
        case .reading:
            file.offset = reader.offset
        }
        return stoppedAtLimit
    }
}
