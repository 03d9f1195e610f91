/// Exports after every evaluation, then deletes old exports:
/// `tf.estimator.LatestExporter` (FORMAT §6.8).
public struct LatestExporter: ExplainingExporter {
    /// Settings TensorFlow does not have.
    public struct Options: Sendable {
        /// Keep the best ``LatestExporter/exportsToKeep`` exports by this
        /// comparison rather than the newest. Default nil (the newest).
        public var keepBest: MetricComparison?
        /// The clock naming export directories.
        public var clock: any ExportClock = SystemExportClock()

        /// The defaults.
        public init() {}
    }

    /// The directory name under `export/`.
    public let name: String
    /// Writes what an export contains.
    public let modelWriter: any ModelWriter
    /// `assets.extra/` content: destination (relative) → source path.
    public let assetsExtra: [String: String]
    /// Ask the model writer for text formats, and write the manifest as text.
    public let asText: Bool
    /// How many exports to keep; nil keeps all.
    public let exportsToKeep: Int?
    /// Settings TensorFlow does not have.
    public let options: Options
    private let assetPairs: [(destination: String, source: String)]
    var fileSystem: any ExportFileSystem = POSIXFileSystem()

    /// An exporter; the arguments are `LatestExporter`'s.
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)``: `exportsToKeep` not
    ///   positive ("`exports_to_keep`, if provided, must be positive
    ///   number"), a bad name or `assetsExtra` destination.
    public init(name: String, modelWriter: any ModelWriter = CheckpointSnapshotWriter(),
                assetsExtra: [String: String] = [:], asText: Bool = false, exportsToKeep: Int? = 5,
                options: Options = Options()) throws(ExportError) {
        if let exportsToKeep, exportsToKeep <= 0 {
            throw .invalidArgument(.exportsToKeepNotPositive(exportsToKeep, exporter: "LatestExporter"))
        }
        assetPairs = try ExportRunner.validate(name: name, assetsExtra: assetsExtra)
        self.name = name
        self.modelWriter = modelWriter
        self.assetsExtra = assetsExtra
        self.asText = asText
        self.exportsToKeep = exportsToKeep
        self.options = options
    }


    /// Exports, then collects old exports.
    public mutating func considerExport(model: ModelDirectory, exportPath: String,
                                        checkpoint selection: CheckpointSelection = .matchingGlobalStep,
                                        evalResult: EvalResult, isFinalExport: Bool = false) throws(ExportError) -> ExportOutcome {
        let runner = ExportRunner(name: name, modelWriter: modelWriter, assetsExtra: assetPairs, asText: asText,
                                  comparison: options.keepBest?.description ?? "", clock: options.clock,
                                  fileSystem: fileSystem)
        let checkpoint = try runner.checkpoint(selection, model: model, evalResult: evalResult)
        let directory = try runner.export(model: model, exportPath: exportPath, checkpoint: checkpoint,
                                          evalResult: evalResult, isFinalExport: isFinalExport)
        var report: ExportGarbageCollector.Report?
        if let exportsToKeep {
            var collector = ExportGarbageCollector(
                retention: options.keepBest.map { .best(exportsToKeep, $0) } ?? .newest(exportsToKeep))
            collector.fileSystem = fileSystem
            report = collector.collect(exportPath: exportPath, protecting: directory)
        }
        return ExportOutcome(exportDirectory: directory, reason: .latest, evalResult: evalResult,
                             checkpoint: checkpoint, garbageCollection: report)
    }
}
