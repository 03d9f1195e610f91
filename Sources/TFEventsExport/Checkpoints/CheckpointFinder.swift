/// Finds the checkpoints of one model directory, in one
/// ``CheckpointLayout``: what exporters, `best` and the report ask about
/// checkpoints, whichever framework wrote them.
public protocol CheckpointFinder: Sendable {
    /// The model directory.
    var modelDirectory: String { get }

    /// Every complete checkpoint there, sorted by step (checkpoints without
    /// a step last).
    func survivingCheckpoints() throws(ExportError) -> [Checkpoint]

    /// The checkpoint of the evaluation at `globalStep` (the logged step).
    ///
    /// - Throws: ``ExportError/checkpointDeleted(globalStep:modelDirectory:nearest:)``
    ///   naming the closest surviving ones when it is gone;
    ///   ``ExportError/incompleteCheckpoint(prefix:missing:)`` when it is
    ///   there but unfinished.
    func checkpoint(forStep globalStep: Int64) throws(ExportError) -> Checkpoint

    /// The newest checkpoint.
    ///
    /// - Throws: ``ExportError/noCheckpoint(modelDirectory:)`` when there is none.
    func latestCheckpoint() throws(ExportError) -> Checkpoint

    /// The checkpoint at `path` (relative to the model directory, or absolute).
    func checkpoint(atPath path: String) throws(ExportError) -> Checkpoint
}

extension CheckpointFinder {
    /// The error for a step whose checkpoint is gone: it names the nearest
    /// surviving checkpoints (one below, one above).
    func deleted(_ globalStep: Int64, surviving: [Checkpoint]) -> ExportError {
        let below = surviving.last { ($0.globalStep ?? .max) < globalStep }
        let above = surviving.first { ($0.globalStep ?? .min) > globalStep && $0.globalStep != nil }
        return .checkpointDeleted(globalStep: globalStep, modelDirectory: modelDirectory,
                                  nearest: [below, above].compactMap { $0 })
    }

    /// Sorts by step, checkpoints without a step last, then by path.
    static func sortedByStep(_ checkpoints: [Checkpoint]) -> [Checkpoint] {
        checkpoints.sorted { a, b in
            switch (a.globalStep, b.globalStep) {
            case let (x?, y?): return x != y ? x < y : a.prefix < b.prefix
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.prefix < b.prefix
            }
        }
    }
}
