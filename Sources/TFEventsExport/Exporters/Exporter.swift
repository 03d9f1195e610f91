import TFRecord
import TFEventsSystem

/// Exports a model after an evaluation: the `tf.estimator.Exporter`
/// interface (FORMAT §6.1).
///
/// A training loop calls every exporter after each evaluation of a new
/// checkpoint, with `exportPath = <model_dir>/export/<name>`; the exporter
/// decides whether to export and returns the export directory, or nil.
/// ``BestExporter``, ``LatestExporter`` and ``FinalExporter`` are the three
/// TensorFlow has. Exporters keep state between calls (the best result so
/// far), so the method is `mutating`.
public protocol Exporter {
    /// The directory name under `<model_dir>/export/`.
    var name: String { get }

    /// Considers `evalResult` and exports when the exporter's rule says so.
    ///
    /// - Parameters:
    ///   - model: the model directory (TensorFlow passes the estimator).
    ///   - exportPath: where exports go, normally ``ModelDirectory/exportPath(for:)``.
    ///   - checkpointPath: the evaluated checkpoint's prefix; nil for the
    ///     latest checkpoint of the model directory.
    ///   - evalResult: the evaluation.
    ///   - isFinalExport: whether this is the last evaluation of training.
    /// - Returns: the export directory, or nil when nothing was exported.
    mutating func export(model: ModelDirectory, exportPath: String, checkpointPath: String?, evalResult: EvalResult,
                         isFinalExport: Bool) throws(ExportError) -> String?
}

/// An exporter that explains its decisions: ``considerExport(model:exportPath:checkpoint:evalResult:isFinalExport:)``
/// returns an ``ExportOutcome`` (what was exported and why, or why not);
/// ``Exporter/export(model:exportPath:checkpointPath:evalResult:isFinalExport:)``
/// is derived from it.
public protocol ExplainingExporter: Exporter {
    /// One decision, with its reason.
    mutating func considerExport(model: ModelDirectory, exportPath: String, checkpoint: CheckpointSelection,
                                 evalResult: EvalResult, isFinalExport: Bool) throws(ExportError) -> ExportOutcome
}

extension ExplainingExporter {
    /// The ``Exporter`` requirement: the evaluated checkpoint when given,
    /// the latest one otherwise; the export directory or nil.
    public mutating func export(model: ModelDirectory, exportPath: String, checkpointPath: String?,
                                evalResult: EvalResult, isFinalExport: Bool) throws(ExportError) -> String? {
        try considerExport(model: model, exportPath: exportPath,
                           checkpoint: checkpointPath.map { .path($0) } ?? .latest,
                           evalResult: evalResult, isFinalExport: isFinalExport).exportDirectory
    }
}

/// A model directory: Estimator's `model_dir` (FORMAT §5.3), or the
/// directory of another framework's run, with the ``CheckpointLayout`` its
/// checkpoints are found in.
public struct ModelDirectory: Sendable, Hashable, CustomStringConvertible {
    /// Its path.
    public let path: String
    /// How its checkpoints are named.
    public let layout: CheckpointLayout

    /// The model directory at `path`.
    public init(_ path: String, layout: CheckpointLayout = .estimator) {
        var trimmed = path
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed
        self.layout = layout
    }

    /// `<path>/export/<name>`, where the training loop tells exporter `name` to export.
    public func exportPath(for name: String) -> String {
        FilePaths.join(FilePaths.join(path, "export"), name)
    }

    /// Finds its checkpoints, in its layout.
    public var checkpoints: any CheckpointFinder { layout.finder(modelDirectory: path) }

    /// The path.
    public var description: String { path }
}

/// Which checkpoint an export is made from.
public enum CheckpointSelection: Sendable, Equatable {
    /// This prefix (relative to the model directory, or absolute), as the
    /// training loop passes it.
    case path(String)
    /// The latest checkpoint of the model directory (TensorFlow's behaviour
    /// when no path is given).
    case latest
    /// The checkpoint named after the evaluation's global step
    /// (`model.ckpt-<step>`): what a tool reading the event files after the
    /// fact must use.
    case matchingGlobalStep
}

/// What an exporter did with one evaluation, and why.
public struct ExportOutcome: Sendable, CustomStringConvertible {
    /// The export directory, nil when nothing was exported.
    public var exportDirectory: String?
    /// Why it exported or did not.
    public var reason: ExportReason
    /// The evaluation exported, or the one considered when nothing was.
    public var evalResult: EvalResult
    /// The checkpoint exported.
    public var checkpoint: Checkpoint?
    /// What the garbage collection after the export did, when it ran.
    package var garbageCollection: ExportGarbageCollector.Report?

    /// Whether something was exported.
    public var exported: Bool { exportDirectory != nil }

    /// `exported <dir> (step 225): better than ...` or `not exported (step 250): ...`.
    public var description: String {
        if let exportDirectory {
            return "exported \(exportDirectory) (step \(evalResult.globalStep)): \(reason)"
        }
        return "not exported (step \(evalResult.globalStep)): \(reason)"
    }
}

/// Why an exporter exported or not.
@nonexhaustive
public enum ExportReason: Sendable, CustomStringConvertible {
    /// Exported: there was no best result to compare with.
    case noBestYet
    /// Exported: strictly better than the best so far.
    case better(than: EvalResult)
    /// Exported, first export after a (re)start: at least as good as the
    /// best result recovered from the event files.
    case atLeastAsGoodAsRecovered(EvalResult)
    /// Exported, first export, TensorFlow's rule: the first export of an
    /// exporter always happens.
    case firstExportAlways(recovered: EvalResult?)
    /// Exported the recovered best's checkpoint rather than the current
    /// one: the current is worse and no export of the best survived.
    case restoredMissingBest(current: EvalResult)
    /// Exported the current result although the recovered best is better:
    /// no export of the best survives and its checkpoint is gone.
    case bestLost(EvalResult)
    /// Exported: ``LatestExporter`` exports every evaluation.
    case latest
    /// Exported: ``FinalExporter`` and this is the final export.
    case final
    /// Not exported: not strictly better than the best so far.
    case notBetter(than: EvalResult)
    /// Not exported, after a (re)start: worse than the best recovered from
    /// the event files, an export of which survives at `survivingExport`
    /// (`certain` false: an export without a manifest that may hold it).
    case worseThanRecovered(EvalResult, survivingExport: String, certain: Bool)
    /// Not exported, after a (re)start: this very evaluation (same global
    /// step and metric) is already exported in `exportDirectory`, by an
    /// earlier run that stopped before or after recording it. Exporting it
    /// again would only duplicate it.
    case alreadyExported(EvalResult, exportDirectory: String)
    /// Not exported, after a (re)start: an export at `exportDirectory` is
    /// at least as good (strictly better, or as good and the evaluation's
    /// own export is lost), so exporting this one would put a worse model
    /// beside or in place of a better one.
    case worseThanSurvivingExport(EvalResult, exportDirectory: String)
    /// Not exported: ``FinalExporter`` and this is not the final export.
    case notFinal
    /// Not exported: better than the best, but by no more than the
    /// minimum improvement (``BestExporter/Options/minDelta``).
    case notBetterByMinDelta(than: EvalResult, delta: Double)
    /// Not exported: not better than the starting threshold
    /// (``BestExporter/Options/initialThreshold``).
    case notBeyondThreshold(Double)
    /// Not exported: the evaluation lacks the metric.
    case missingMetric(String)
    /// Not exported: the evaluation's metric is NaN.
    case nanMetric(String)

    /// Words for people.
    public var description: String {
        func step(_ result: EvalResult) -> String { "step \(result.globalStep)" }
        switch self {
        case .noBestYet: return "no earlier evaluation to compare with"
        case .better(let best): return "better than the best so far (\(step(best)))"
        case .atLeastAsGoodAsRecovered(let best):
            return "first export since start; at least as good as the best in the event files (\(step(best)))"
        case .firstExportAlways(let recovered):
            return "first export since start, exported unconditionally as TensorFlow does"
                + (recovered.map { " (best in the event files: \(step($0)))" } ?? "")
        case .restoredMissingBest(let current):
            return "the evaluation of \(step(current)) is worse than the best in the event files, no export of which survived: exported the best's checkpoint instead"
        case .bestLost(let best):
            return "the best in the event files (\(step(best))) is better, but neither an export nor the checkpoint of it survives"
        case .latest: return "the latest exporter exports every evaluation"
        case .final: return "final export"
        case .notBetter(let best): return "not better than the best so far (\(step(best)))"
        case let .worseThanRecovered(best, survivingExport, certain):
            return "worse than the best in the event files (\(step(best))), "
                + (certain ? "which is exported in \(survivingExport)" : "which \(survivingExport) (no manifest) may hold")
        case let .alreadyExported(result, exportDirectory):
            return "this evaluation (\(step(result))) is already exported in \(exportDirectory)"
        case let .worseThanSurvivingExport(survivor, exportDirectory):
            return "not better than the export in \(exportDirectory) (\(step(survivor))), which survives: exporting it would keep a worse model"
        case let .notBetterByMinDelta(best, delta):
            return "better than the best so far (\(step(best))) by no more than the minimum improvement \(delta)"
        case .notBeyondThreshold(let threshold):
            return "not better than the initial threshold \(threshold)"
        case .notFinal: return "not the final export"
        case .missingMetric(let metric): return "the evaluation has no \"\(metric)\" metric"
        case .nanMetric(let metric): return "the evaluation's \"\(metric)\" is NaN"
        }
    }
}

/// Writes one export (FORMAT §6.6): the part every exporter shares.
struct ExportRunner {
    var name: String
    var modelWriter: any ModelWriter
    var assetsExtra: [(destination: String, source: String)]
    var asText: Bool
    var comparison: String
    var clock: any ExportClock
    var fileSystem: any ExportFileSystem

    /// Checks exporter arguments shared by every exporter.
    static func validate(name: String, assetsExtra: [String: String]) throws(ExportError) -> [(destination: String, source: String)] {
        guard !name.isEmpty else { throw .invalidArgument(.emptyName) }
        guard !name.contains("/"), name != ".", name != "..", !name.utf8.contains(0) else {
            throw .invalidArgument(.nameNotADirectoryName(name))
        }
        var pairs: [(destination: String, source: String)] = []
        for (destination, source) in assetsExtra.sorted(by: { $0.key < $1.key }) {
            let parts = destination.split(separator: "/")
            guard !destination.isEmpty, !destination.hasPrefix("/"), !parts.isEmpty,
                  !parts.contains(".."), !destination.utf8.contains(0) else {
                throw .invalidArgument(.invalidAssetsExtraDestination(destination))
            }
            pairs.append((destination, source))
        }
        return pairs
    }

    /// The checkpoint selected for `evalResult`.
    func checkpoint(_ selection: CheckpointSelection, model: ModelDirectory,
                    evalResult: EvalResult) throws(ExportError) -> Checkpoint {
        let locator = model.checkpoints
        switch selection {
        case .path(let path): return try locator.checkpoint(atPath: path)
        case .latest: return try locator.latestCheckpoint()
        case .matchingGlobalStep: return try locator.checkpoint(forStep: evalResult.globalStep)
        }
    }

    /// Writes the export and renames it into place.
    ///
    /// - Returns: the export directory.
    /// - Throws: ``ExportError``; nothing is left behind.
    func export(model: ModelDirectory, exportPath: String, checkpoint: Checkpoint, evalResult: EvalResult,
                isFinalExport: Bool) throws(ExportError) -> String {
        for (destination, source) in assetsExtra where !fileSystem.exists(source) {
            throw .invalidArgument(.missingAssetsExtraSource(destination: destination, source: source))
        }
        do { try fileSystem.makeDirectories(exportPath) } catch {
            throw .fileSystem(operation: "mkdir", path: exportPath, error: error)
        }
        var reservation = try ExportDirectory.reserve(exportPath: exportPath, clock: clock, fileSystem: fileSystem)
        do throws(ExportError) {
            let request = ModelWriteRequest(directory: reservation.temporaryPath, checkpoint: checkpoint,
                                            evalResult: evalResult, asText: asText, exporterName: name,
                                            modelDirectory: model.path)
            do { try modelWriter.writeModel(request) } catch {
                throw ExportError.modelWriterFailed(writer: modelWriter.name, directory: reservation.temporaryPath,
                                                    error: error)
            }
            try copyAssetsExtra(into: reservation.temporaryPath)
            let manifest = ExportManifest(exporterName: name, evalResult: evalResult,
                                          checkpointPath: Self.manifestPath(checkpoint.prefix, modelDirectory: model.path),
                                          modelWriter: modelWriter.name, isFinalExport: isFinalExport,
                                          comparison: comparison,
                                          checkpointLayout: model.layout.preset == .estimator ? "" : model.layout.preset.rawValue)
            try manifest.write(into: reservation.temporaryPath, asText: asText, fileSystem: fileSystem)
            do { try fileSystem.syncDirectory(reservation.temporaryPath) } catch {
                throw ExportError.fileSystem(operation: "fsync", path: reservation.temporaryPath, error: error)
            }
            return try ExportDirectory.commit(&reservation, clock: clock, fileSystem: fileSystem)
        } catch {
            try? fileSystem.removeTree(reservation.temporaryPath)
            throw error
        }
    }

    /// The checkpoint path a manifest records: relative to the model
    /// directory when inside it (`model.ckpt-250`), else absolute (or the
    /// URL), so that it resolves from anywhere — never relative to the
    /// working directory of the process that happened to export.
    static func manifestPath(_ prefix: String, modelDirectory: String) -> String {
        let root = modelDirectory.hasSuffix("/") ? modelDirectory : modelDirectory + "/"
        if prefix.hasPrefix(root) { return String(prefix.dropFirst(root.count)) }
        if prefix.hasPrefix("/") || ObjectStores.isRemote(prefix) { return prefix }
        let directory = FilePaths.dirname(prefix)
        guard let absolute = try? FileOperations.resolvedPath(directory) else { return prefix }
        return FilePaths.join(absolute, FilePaths.basename(prefix))
    }

    /// FORMAT §6.6 step 5: `assets.extra/<destination>` for each pair.
    private func copyAssetsExtra(into directory: String) throws(ExportError) {
        guard !assetsExtra.isEmpty else { return }
        let root = FilePaths.join(directory, "assets.extra")
        for (destination, source) in assetsExtra {
            let target = FilePaths.join(root, destination)
            let parent = FilePaths.dirname(target)
            do { try fileSystem.makeDirectories(parent) } catch {
                throw .fileSystem(operation: "mkdir", path: parent, error: error)
            }
            do { try fileSystem.copyTree(source, to: target) } catch {
                throw .fileSystem(operation: "copy \(source) to \(target)", path: target, error: error)
            }
        }
    }
}
