/// Writes what an export contains: the role of `serving_input_receiver_fn`
/// and `Estimator.export_saved_model` in TensorFlow (FORMAT §6.6 step 4).
///
/// The exporter gives the writer an empty temporary directory; everything
/// the writer leaves there becomes the export when the writer returns. If
/// it throws, the directory is removed and nothing is exported. The
/// exporter then adds `assets.extra/` and the manifest itself.
///
/// Two writers come with the package: ``CheckpointSnapshotWriter`` (the
/// checkpoint's variables in SavedModel layout) and ``CommandModelWriter``
/// (any command, such as a Python script writing a real SavedModel).
public protocol ModelWriter: Sendable {
    /// A short name for messages and manifests (`checkpoint_snapshot`).
    var name: String { get }

    /// Writes the model for `request` into `request.directory`.
    ///
    /// - Throws: any error; the export is then abandoned.
    func writeModel(_ request: ModelWriteRequest) throws
}

/// What a ``ModelWriter`` is asked to write.
public struct ModelWriteRequest: Sendable {
    /// The temporary directory to write into (exists, empty).
    public var directory: String
    /// The checkpoint to export, with its files.
    public var checkpoint: Checkpoint
    /// The evaluation of that checkpoint.
    public var evalResult: EvalResult
    /// Write text formats (`saved_model.pbtxt`) rather than binary.
    public var asText: Bool
    /// The exporter's name.
    public var exporterName: String
    /// The model directory.
    public var modelDirectory: String

    /// A request.
    public init(directory: String, checkpoint: Checkpoint, evalResult: EvalResult, asText: Bool,
                exporterName: String, modelDirectory: String) {
        self.directory = directory
        self.checkpoint = checkpoint
        self.evalResult = evalResult
        self.asText = asText
        self.exporterName = exporterName
        self.modelDirectory = modelDirectory
    }
}
