import TFRecord

/// Follows a model directory's eval event files as training writes them:
/// the incremental form of ``EvalRecovery``, for sidecars such as
/// `tfevents watch`.
///
/// Each ``poll()`` looks for new files matching the pattern and reads what
/// was appended to each file since the last poll, from the last complete
/// record: a truncated tail is pending data, read again once complete. A
/// file replaced or rewritten is read again from its start. Memory holds
/// the tracker and one small record per file.
///
/// ```swift
/// var follower = EvalLogFollower(modelDirectory: "model_dir", comparison: .larger("accuracy"))
/// while running {
///     let poll = try follower.poll()
///     if poll.bestChanged, let best = follower.best { print("new best:", best) }
///     sleep(30)
/// }
/// ```
public struct EvalLogFollower {
    /// What one poll found.
    public struct Poll: Sendable {
        /// Whether a better evaluation appeared.
        public var bestChanged: Bool
        /// Evaluations read in this poll.
        public var newEvaluations: Int
        /// Problems met in this poll (each reported once).
        public var issues: [EvalRecovery.Issue]
    }

    /// The model directory.
    public let modelDirectory: String
    /// The glob of eval files, relative to the model directory.
    public let pattern: String
    /// How records are read.
    public let readerOptions: RecordReaderOptions
    /// The tracker holding the best so far.
    public private(set) var tracker: BestTracker
    /// Every file seen, in the order first seen, with how far it was read.
    public private(set) var files: [EvalRecovery.FileProgress] = []

    /// A follower that has read nothing yet.
    public init(modelDirectory: String, pattern: String = EvalRecovery.defaultPattern,
                comparison: MetricComparison = .lossSmaller, options: BestTracker.Options = .init(),
                readerOptions: RecordReaderOptions = .init()) {
        self.modelDirectory = modelDirectory
        self.pattern = pattern
        self.readerOptions = readerOptions
        var trackerOptions = options
        trackerOptions.trackNewest = true
        tracker = BestTracker(comparison: comparison, options: trackerOptions)
    }

    /// The best evaluation so far.
    public var best: EvalResult? { tracker.best }
    /// The newest comparable evaluation so far.
    public var newest: EvalResult? { tracker.newest }

    /// Everything read so far, as a recovery result (for ``BestExporter/prime(modelDirectory:recovery:)``).
    public var recovery: EvalRecovery.Result {
        EvalRecovery.Result(best: tracker.best, newest: tracker.newest, statistics: tracker.statistics,
                            files: files, issues: [])
    }

    /// Reads what was appended since the last poll.
    ///
    /// - Throws: as ``EvalRecovery/recover(files:comparison:options:readerOptions:)``.
    public mutating func poll() throws(ExportError) -> Poll {
        let known = Dictionary(files.indices.map { (files[$0].path, $0) }, uniquingKeysWith: { first, _ in first })
        for path in EvalRecovery.eventFiles(modelDirectory: modelDirectory, pattern: pattern) {
            if let index = known[path] {
                // Deleted, and now there again: a new file of the same name.
                if files[index].deleted { files[index] = EvalRecovery.FileProgress(path: path) }
            } else {
                files.append(EvalRecovery.FileProgress(path: path))
            }
        }
        let improvementsBefore = tracker.statistics.improvements
        let evaluationsBefore = tracker.statistics.evaluations
        var issues: [EvalRecovery.Issue] = []
        for index in files.indices {
            try EvalRecovery.read(&files[index], into: &tracker, issues: &issues, readerOptions: readerOptions)
        }
        return Poll(bestChanged: tracker.statistics.improvements != improvementsBefore,
                    newEvaluations: tracker.statistics.evaluations - evaluationsBefore, issues: issues)
    }
}
