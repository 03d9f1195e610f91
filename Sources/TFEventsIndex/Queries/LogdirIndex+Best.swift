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
}

extension LogdirIndex {
    /// The evaluation with the smallest (or largest) `metric`, over every
    /// indexed file in sorted path order and events in file order; the first
    /// one wins ties and NaN never wins — `BestExporter`'s recovery with a
    /// built-in comparison.
    ///
    /// Answered from per-chunk extremes kept in the manifest: only the
    /// winner's chunk is decompressed.
    ///
    /// - Parameter include: the files considered (default: every file), so
    ///   that one index of a whole model directory answers for its `eval/`.
    /// - Returns: nil when no evaluation has a usable `metric`.
    public func bestEvaluation(metric: String, higherIsBetter: Bool,
                               include: (IndexedFile) -> Bool = { _ in true }) throws(IndexError) -> IndexedBest? {
        var winner: (file: IndexedFile, chunk: Int, point: Int, value: Double)?
        var evaluations = 0, withMetric = 0, nan = 0
        for file in files where include(file) {
            let tagID = file.tags.firstIndex { $0.name == metric }
            for (chunkIndex, chunk) in file.chunks.enumerated() {
                evaluations += chunk.scalarEventCount
                guard let tagID, let entry = chunk.extremes.first(where: { Int($0.tag) == tagID }) else { continue }
                withMetric += entry.count
                nan += entry.nanCount
                let (index, value) = higherIsBetter ? (entry.maxIndex, entry.maxValue) : (entry.minIndex, entry.minValue)
                guard index >= 0 else { continue }
                if let current = winner {
                    let better = higherIsBetter ? value > current.value : value < current.value
                    if !better { continue }
                }
                winner = (file, chunkIndex, index, value)
            }
        }
        guard let winner else { return nil }
        let decoded = try chunk(winner.chunk, of: winner.file)
        let event = Int(decoded.pointEvents[winner.point])
        var values: [(tag: String, value: Double, encoding: String)] = []
        for i in 0 ..< decoded.pointCount where Int(decoded.pointEvents[i]) == event {
            let tag = winner.file.tags[Int(decoded.pointTags[i])]
            values.append((tag.name, decoded.values[i], tag.scalarEncoding))
        }
        let evaluation = IndexedEvaluation(file: winner.file.relativePath, recordOffset: Int(decoded.eventOffsets[event]),
                                           step: decoded.eventSteps[event], wallTime: decoded.eventWallTimes[event],
                                           values: values)
        return IndexedBest(evaluation: evaluation, evaluations: evaluations,
                           skippedMissingMetric: max(0, evaluations - withMetric), skippedNaN: nan)
    }
}
