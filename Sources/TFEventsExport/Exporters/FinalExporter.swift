/// Exports once, after the final evaluation: `tf.estimator.FinalExporter`
/// (FORMAT §6.8). No garbage collection.
public struct FinalExporter: ExplainingExporter {
    /// The directory name under `export/`.
    public let name: String
    /// Writes what an export contains.
    public let modelWriter: any ModelWriter
    /// `assets.extra/` content: destination (relative) → source path.
    public let assetsExtra: [String: String]
    /// Ask the model writer for text formats, and write the manifest as text.
    public let asText: Bool
    /// The clock naming export directories.
    public let clock: any ExportClock
    private let assetPairs: [(destination: String, source: String)]
    var fileSystem: any ExportFileSystem = POSIXFileSystem()

    /// An exporter; the arguments are `FinalExporter`'s.
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)`` for a bad name or
    ///   `assetsExtra` destination.
    public init(name: String, modelWriter: any ModelWriter = CheckpointSnapshotWriter(),
                assetsExtra: [String: String] = [:], asText: Bool = false,
                clock: any ExportClock = SystemExportClock()) throws(ExportError) {
        assetPairs = try ExportRunner.validate(name: name, assetsExtra: assetsExtra)
        self.name = name
        self.modelWriter = modelWriter
        self.assetsExtra = assetsExtra
        self.asText = asText
        self.clock = clock
    }


    /// Exports when `isFinalExport`.
    public mutating func considerExport(model: ModelDirectory, exportPath: String,
                                        checkpoint selection: CheckpointSelection = .matchingGlobalStep,
                                        evalResult: EvalResult, isFinalExport: Bool) throws(ExportError) -> ExportOutcome {
        guard isFinalExport else { return ExportOutcome(exportDirectory: nil, reason: .notFinal, evalResult: evalResult) }
        let runner = ExportRunner(name: name, modelWriter: modelWriter, assetsExtra: assetPairs, asText: asText,
                                  comparison: "", clock: clock, fileSystem: fileSystem)
        let checkpoint = try runner.checkpoint(selection, model: model, evalResult: evalResult)
        let directory = try runner.export(model: model, exportPath: exportPath, checkpoint: checkpoint,
                                          evalResult: evalResult, isFinalExport: true)
        return ExportOutcome(exportDirectory: directory, reason: .final, evalResult: evalResult, checkpoint: checkpoint)
    }
}
