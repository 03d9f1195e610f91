import TFEventsCore
import TFEventsIndex
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

extension EvalRecovery {
    /// Recovers the best evaluation through a log-directory index of the
    /// model directory, restricted to the files of `pattern`: the first look
    /// reads the files (in parallel) and stores their points; later looks
    /// read only what was appended and answer from the index.
    ///
    /// Only the built-in comparisons (`smaller`/`larger` of one metric,
    /// which includes the default loss) in non-strict mode are answered
    /// this way; the answer is the one ``recover(modelDirectory:pattern:comparison:options:readerOptions:)``
    /// gives, except that ``EvalSource/eventIndex`` is -1 (the record offset
    /// locates the event).
    ///
    /// - Returns: nil when the index cannot answer (custom comparison,
    ///   strict mode, an absolute pattern, a pattern matching files whose
    ///   names lack `tfevents`, or an update the index options declined as
    ///   too costly, see ``IndexOptions/maximumReadFraction``): read the
    ///   files directly then.
    /// - Throws: ``IndexError`` when the index file cannot be written or read.
    public static func recoverThroughIndex(modelDirectory: String, pattern: String = defaultPattern,
                                           comparison: MetricComparison = .lossSmaller,
                                           options: BestTracker.Options = .init(),
                                           indexOptions: IndexOptions = .init(),
                                           indexPath: String? = nil) throws(IndexError) -> (Result, IndexUpdateReport)? {
        guard let goal = comparison.goal, !options.strict, options.includeTensorScalars,
              !pattern.hasPrefix("/") else { return nil }
        let prefix = modelDirectory.hasSuffix("/") ? modelDirectory : modelDirectory + "/"
        var restricted = indexOptions
        let glob = pattern
        restricted.include = { relative in
            FileOperations.pathMatches(glob, relative)
        }
        let absolute = try LogdirIndex.absolutePath(of: modelDirectory)
        let index = try LogdirIndex(logdir: modelDirectory,
                                    indexPath: indexPath ?? LogdirIndex.defaultIndexPath(for: absolute, variant: pattern),
                                    options: restricted)
        let report = try index.update()
        // Declined (a first look at a large directory, most often): the
        // caller reads the files and globs the pattern itself, so it is
        // globbed here only after the index has answered.
        if report.declined { return nil }
        // The index must hold exactly the files glob(3) finds, all with
        // event-file names (the index takes no others).
        let matching = eventFiles(modelDirectory: modelDirectory, pattern: pattern)
        guard matching.allSatisfy({ path in
            path.hasPrefix(prefix) && EventFileDiscovery.isEventFileName(path.split(separator: "/").last ?? "")
        }) else { return nil }
        let wanted = Set(matching.map { String($0.dropFirst(prefix.count)) })
        guard Set(index.files.map(\.relativePath)) == wanted else { return nil }

        var statistics = BestTracker.Statistics()
        var best: EvalResult?
        if let found = try index.bestEvaluation(for: goal) {
            statistics = found.statistics
            var metrics: [String: Double] = [:]
            for value in found.evaluation.values { metrics[value.tag] = value.value }
            best = EvalResult(globalStep: found.evaluation.step, metrics: metrics,
                              source: EvalSource(path: prefix + found.evaluation.file,
                                                 recordOffset: found.evaluation.recordOffset, eventIndex: -1,
                                                 wallTime: found.evaluation.wallTime))
        } else {
            statistics.evaluations = index.files.reduce(0) { $0 + $1.chunks.reduce(0) { $0 + $1.scalarEventCount } }
            statistics.skippedMissingMetric = statistics.evaluations
            statistics.malformedValues = index.files.reduce(0) { $0 + $1.malformedValues }
        }
        var issues: [Issue] = report.problems.map { Issue(path: $0.path, offset: 0, message: $0.message) }
        for file in index.files where file.corruptRecords > 0 {
            issues.append(Issue(path: prefix + file.relativePath, offset: file.validEnd,
                                message: "\(file.corruptRecords) corrupt record(s) skipped"))
        }
        let progress = index.files.map { file -> FileProgress in
            var entry = FileProgress(path: prefix + file.relativePath)
            entry.offset = file.validEnd
            entry.pendingBytes = file.truncatedBytes
            entry.identity = file.identity
            entry.isCompressed = file.compression != .none
            return entry
        }
        return (Result(best: best, newest: nil, statistics: statistics, files: progress, issues: issues), report)
    }
}

extension IndexedBest {
    /// The counts as a tracker reports them.
    var statistics: BestTracker.Statistics {
        var statistics = BestTracker.Statistics()
        statistics.evaluations = evaluations
        statistics.skippedMissingMetric = skippedMissingMetric
        statistics.skippedNaN = skippedNaN
        statistics.malformedValues = malformedValues
        statistics.compared = evaluations - skippedMissingMetric - skippedNaN
        return statistics
    }
}
