import Dispatch
import Synchronization
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
        try recover(files: eventFiles(modelDirectory: modelDirectory, pattern: pattern),
                    comparison: comparison, options: options, readerOptions: readerOptions)
    }

    /// Recovers the best evaluation from `files`, read in the order given.
    ///
    /// With a built-in comparison (smaller or larger of one metric, not
    /// strict), several files are read at once, one per core: each file's
    /// first best is found on its own, and the files' bests are then merged
    /// in file order with the same strictly-better rule, which gives exactly
    /// the sequential answer.
    package static func recover(files: [String], comparison: MetricComparison = .lossSmaller,
                               options: BestTracker.Options = .init(),
                               readerOptions: RecordReaderOptions = .init(),
                               jobs: Int = ProcessInfoLite.activeProcessorCount) throws(ExportError) -> Result {
        if files.count > 1, jobs > 1, comparison.metric != nil, !options.strict {
            return recoverInParallel(files: files, comparison: comparison, options: options,
                                     readerOptions: readerOptions, jobs: jobs)
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

    /// The parallel form of ``recover(files:comparison:options:readerOptions:jobs:)``
    /// for built-in comparisons (which cannot throw outside strict mode).
    private static func recoverInParallel(files: [String], comparison: MetricComparison, options: BestTracker.Options,
                                          readerOptions: RecordReaderOptions, jobs: Int) -> Result {
        struct PerFile: Sendable {
            var progress: FileProgress
            var best: EvalResult?
            var newest: EvalResult?
            var statistics: BestTracker.Statistics
            var issues: [Issue]
        }
        let results = Mutex<[PerFile?]>(Array(repeating: nil, count: files.count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(jobs, files.count)) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < files.count else { return }
                var tracker = BestTracker(comparison: comparison, options: options)
                var progress = FileProgress(path: files[index])
                var issues: [Issue] = []
                // Not strict, built-in comparison: nothing here throws.
                try? read(&progress, into: &tracker, issues: &issues, readerOptions: readerOptions)
                let done = PerFile(progress: progress, best: tracker.best, newest: tracker.newest,
                                   statistics: tracker.statistics, issues: issues)
                results.withLock { $0[index] = done }
            }
        }
        var best: EvalResult?
        var newest: EvalResult?
        var statistics = BestTracker.Statistics()
        var progress: [FileProgress] = []
        var issues: [Issue] = []
        for case let file? in results.withLock({ $0 }) {
            progress.append(file.progress)
            issues += file.issues
            statistics.add(file.statistics)
            if let candidate = file.best {
                if let current = best {
                    if (try? comparison.isBetter(best: current, current: candidate)) == true {
                        best = candidate
                        statistics.improvements += 1
                    }
                } else {
                    best = candidate
                }
            }
            if let candidate = file.newest { newest = candidate }
        }
        return Result(best: best, newest: newest, statistics: statistics, files: progress, issues: issues)
    }

    /// Reads `file` from where it was left into `tracker`: the whole file
    /// the first time, only what was appended later. A file that shrank or
    /// was replaced is read again from the start.
    static func read(_ file: inout FileProgress, into tracker: inout BestTracker, issues: inout [Issue],
                     readerOptions: RecordReaderOptions) throws(ExportError) {
        guard !file.stopped else { return }
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
                return  // nothing new
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
                return
            }
            issues.append(Issue(path: file.path, offset: 0, message: error.message))
            return
        }
        file.identity = identity
        // Compressed files are always decoded from their start.
        file.isCompressed = reader.compression != .none
        let skipBefore = file.isCompressed ? file.offset : 0
        while true {
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
    }
}
