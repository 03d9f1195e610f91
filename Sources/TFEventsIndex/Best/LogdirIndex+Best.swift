import TFEventsSystem
import TFEventsCore

/// The best evaluation by one metric, answered from the index.
public struct IndexedBest: Sendable {
    /// The winning event, with every scalar of it.
    public var evaluation: IndexedEvaluation
    /// Events holding scalars (evaluations) in the files considered.
    public var evaluations: Int
    /// Evaluations without the metric.
    public var skippedMissingMetric: Int
    /// Evaluations whose metric is NaN.
    public var skippedNaN: Int
    /// Scalar values that did not decode (skipped one by one).
    public var malformedValues: Int
}

extension LogdirIndex {
    /// The best evaluation by `goal` (see ``MetricGoal``) over every indexed
    /// file in the byte order of their paths and events in file order:
    /// `BestExporter`'s recovery with a built-in comparison.
    ///
    /// Answered from per-chunk extremes kept in the manifest (each counting
    /// a tag once per event, at its last value): only the winner's chunk is
    /// decompressed.
    ///
    /// - Parameter include: the files considered (default: every file), so
    ///   that one index of a whole model directory answers for its `eval/`.
    /// - Returns: nil when no evaluation has a usable value of the metric.
    public func bestEvaluation(for goal: MetricGoal,
                               include: (IndexedFile) -> Bool = { _ in true }) throws(IndexError) -> IndexedBest? {
        var winner: (file: IndexedFile, chunk: Int, point: Int, value: Double)?
        var evaluations = 0, withMetric = 0, nan = 0, malformed = 0
        for file in files.sorted(by: { FilePaths.bytewiseLess($0.relativePath, $1.relativePath) }) where include(file) {
            malformed += file.malformedValues
            let tagID = file.tags.firstIndex { $0.name == goal.metric }
            for (chunkIndex, chunk) in file.chunks.enumerated() {
                evaluations += chunk.scalarEventCount
                guard let tagID, let entry = chunk.extremes.first(where: { Int($0.tag) == tagID }) else { continue }
                withMetric += entry.count
                nan += entry.nanCount
                let (index, value) = goal.higherIsBetter ? (entry.maxIndex, entry.maxValue) : (entry.minIndex, entry.minValue)
                guard index >= 0, goal.accepts(value) else { continue }
                if let current = winner, !goal.improves(value, on: current.value) { continue }
                winner = (file, chunkIndex, index, value)
            }
        }
        guard let winner else { return nil }
        let decoded = try chunk(winner.chunk, of: winner.file)
        let event = Int(decoded.pointEvents[winner.point])
        var values: [(tag: String, value: Double, encoding: ScalarValue.Encoding?)] = []
        for i in 0 ..< decoded.pointCount where Int(decoded.pointEvents[i]) == event {
            let tag = winner.file.tags[Int(decoded.pointTags[i])]
            values.append((tag.name, decoded.values[i], tag.scalarEncoding))
        }
        let evaluation = IndexedEvaluation(file: winner.file.relativePath, recordOffset: Int(decoded.eventOffsets[event]),
                                           step: decoded.eventSteps[event], wallTime: decoded.eventWallTimes[event],
                                           values: values)
        return IndexedBest(evaluation: evaluation, evaluations: evaluations,
                           skippedMissingMetric: max(0, evaluations - withMetric), skippedNaN: nan,
                           malformedValues: malformed)
    }
}
