import TFRecord
import TFEventsCore
import TFEventsSystem

/// Why recovering the best evaluation or exporting a model failed.
///
/// Every case names the file concerned and, for event files, the offset of
/// the record. None of them leaves a partial export behind: a failure
/// removes the temporary directory and leaves the exporter's best result
/// unchanged. Every case is fatal for the operation that threw it (one
/// recovery, one export decision); an exporter that threw can be asked
/// again (`watch` does, at its next poll).
///
/// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside this
/// package needs `@unknown default`.
@nonexhaustive
public enum ExportError: Error, CustomStringConvertible {
    /// An exporter was configured wrongly (`BestExporter`'s argument checks).
    case invalidArgument(InvalidExportArgument)
    /// A comparison could not be made: a result lacks the metric (in strict
    /// mode, or for a live result) or a custom rule threw. `at` is the
    /// event being considered (nil for a live result), `globalStep` its
    /// step, `bestSoFar` the best result at that moment.
    case comparisonFailed(ComparisonError, at: EvalSource?, globalStep: Int64, bestSoFar: EvalResult?)
    /// An eval event file could not be opened (strict mode; otherwise the
    /// file is skipped and reported in ``EvalRecovery/Result/issues``).
    case unreadableEventFile(FileOpenError)
    /// An eval event file holds a corrupt record (strict mode, as
    /// TensorFlow's `DataLossError`; otherwise the record is skipped and
    /// reported).
    case corruptEventFile(ReadEventError)
    /// No checkpoint to export: no `checkpoint` file naming an existing one,
    /// and no `*.index` file in the model directory (TensorFlow: "Couldn't
    /// find trained model at <model_dir>.").
    case noCheckpoint(modelDirectory: String)
    /// The checkpoint of `globalStep` is gone (TensorFlow keeps only the
    /// newest few); `nearest` lists the closest surviving ones.
    case checkpointDeleted(globalStep: Int64, modelDirectory: String, nearest: [Checkpoint])
    /// A checkpoint's `.index` or one of its `.data-*-of-*` shards is missing.
    case incompleteCheckpoint(prefix: String, missing: [String])
    /// The `checkpoint` file is not valid text-format `CheckpointState`.
    case invalidCheckpointState(path: String, line: Int, reason: String)
    /// Every candidate export directory name was taken (TensorFlow: "Failed
    /// to obtain a unique export directory name after 10 attempts.").
    case noUniqueExportDirectory(exportPath: String, attempts: Int)
    /// A file-system operation failed.
    case fileSystem(operation: String, path: String, error: SystemError)
    /// A side file (`checkpoint`, an export manifest) is not a regular file
    /// or is larger than ``FileOperations``' 4 MiB limit: refused without
    /// reading it (a FIFO would hang, `/dev/zero` would fill memory).
    case unusableSideFile(path: String, reason: String)
    /// The model writer failed; the temporary directory was removed.
    case modelWriterFailed(writer: String, directory: String, error: any Error)
    /// An export manifest could not be parsed.
    case invalidManifest(path: String, reason: String)
    /// Another process holds the export lock.
    case locked(lockPath: String, holderProcess: Int32?)
    /// The export lock in a bucket is another process's lease until
    /// `expires` (seconds since the epoch; 0 when unknown).
    case leased(lockPath: String, holder: String, expires: Int64)

    /// What is wrong, where.
    public var description: String {
        switch self {
        case .invalidArgument(let argument):
            return argument.description
        case let .comparisonFailed(error, at, globalStep, bestSoFar):
            var text = error.description
            if let at { text += " (evaluation at step \(globalStep) in \(at))" } else { text += " (evaluation at step \(globalStep))" }
            if let bestSoFar {
                text += "; best so far: step \(bestSoFar.globalStep)"
                if let source = bestSoFar.source { text += " in \(source)" }
            }
            return text
        case .unreadableEventFile(let error):
            return error.description
        case .corruptEventFile(let error):
            return error.description
        case .noCheckpoint(let modelDirectory):
            return "Couldn't find trained model at \(modelDirectory): no checkpoint file names an existing checkpoint and no *.index file is there."
        case let .checkpointDeleted(globalStep, modelDirectory, nearest):
            var text = "the checkpoint of global step \(globalStep) no longer exists in \(modelDirectory)"
            if nearest.isEmpty {
                text += " (no checkpoint survives there)"
            } else {
                let names = nearest.map { checkpoint in
                    let base = checkpoint.prefix.split(separator: "/").last.map(String.init) ?? checkpoint.prefix
                    return checkpoint.globalStep.map { "\(base) (step \($0))" } ?? base
                }
                text += "; the nearest surviving " + (names.count == 1 ? "checkpoint is " : "checkpoints are ")
                    + names.joined(separator: " and ")
            }
            return text
        case let .incompleteCheckpoint(prefix, missing):
            return "checkpoint \(prefix) is incomplete: missing " + missing.joined(separator: ", ")
        case let .invalidCheckpointState(path, line, reason):
            return "\(path):\(line): not a valid CheckpointState: \(reason)"
        case let .noUniqueExportDirectory(exportPath, attempts):
            return "\(exportPath): Failed to obtain a unique export directory name after \(attempts) attempts."
        case let .fileSystem(operation, path, error):
            return "\(path): \(operation) failed: \(error)"
        case let .unusableSideFile(path, reason):
            return "\(path): \(reason)"
        case let .modelWriterFailed(writer, directory, error):
            return "\(writer) failed writing \(directory): \(error)"
        case let .invalidManifest(path, reason):
            return "\(path): not a valid export manifest: \(reason)"
        case let .locked(lockPath, holder):
            let who = holder.map { "process \($0)" } ?? "another process"
            return "\(lockPath): \(who) holds the export lock (another `tfevents watch` or `export` on this directory?)"
        case let .leased(lockPath, holder, expires):
            let left = expires - Int64(SystemClock.seconds)
            let until = expires > 0 ? ", its lease runs \(max(left, 0)) s more and is then taken over" : ""
            return "\(lockPath): \(holder) holds the export lock\(until) (another `tfevents watch` or `export` on this directory?)"
        }
    }

    /// The comparison error, when this is one.
    public var comparisonError: ComparisonError? {
        if case .comparisonFailed(let error, _, _, _) = self { return error }
        return nil
    }
}

/// A wrong exporter argument (the `ValueError`s of FORMAT §6.2 and §6.8, plus
/// what Swift adds: names and destinations are checked before any export).
///
/// TensorFlow's checks on `compare_fn` (not None; arguments named
/// `best_eval_result` and `current_eval_result`) have no counterpart: a
/// ``MetricComparison`` is never nil and its closure receives labelled
/// fields.
@nonexhaustive
public enum InvalidExportArgument: Error, Sendable, Equatable, CustomStringConvertible {
    /// `exports_to_keep` given and not positive. `exporter` is the type
    /// name; the message is TensorFlow's.
    case exportsToKeepNotPositive(Int, exporter: String)
    /// The exporter name is empty (it names `export/<name>`).
    case emptyName
    /// The exporter name is not usable as one directory name (`/`, `.`, `..`, NUL).
    case nameNotADirectoryName(String)
    /// A metric name is empty.
    case emptyMetricName
    /// An `assets_extra` destination is empty, absolute or leaves
    /// `assets.extra/` (`..`).
    case invalidAssetsExtraDestination(String)
    /// An `assets_extra` source does not exist.
    case missingAssetsExtraSource(destination: String, source: String)
    /// A checkpoint template (``CheckpointTemplate``) that cannot be used, and why.
    case invalidCheckpointTemplate(String, String)
    /// A checkpoint layout needs a template (Keras: the `filepath` given to
    /// `ModelCheckpoint`) and none was given.
    case checkpointTemplateRequired(layout: String, example: String)

    /// The message.
    public var description: String {
        switch self {
        case let .exportsToKeepNotPositive(value, exporter):
            if exporter == "LatestExporter" {
                return "`exports_to_keep`, if provided, must be positive number (LatestExporter). Got \(value)"
            }
            return "`exports_to_keep`, if provided, must be a positive number. Got \(value)"
        case .emptyName:
            return "An exporter name must not be empty: it names the directory export/<name>."
        case .nameNotADirectoryName(let name):
            return "The exporter name \"\(name)\" is not a single directory name (no '/', '.', '..' or NUL)."
        case .emptyMetricName:
            return "A metric name must not be empty."
        case .invalidAssetsExtraDestination(let destination):
            return "The assets_extra destination \"\(destination)\" must be a non-empty relative path inside assets.extra/ (no '..', not absolute)."
        case let .missingAssetsExtraSource(destination, source):
            return "The assets_extra source \"\(source)\" (for \(destination)) does not exist."
        case let .invalidCheckpointTemplate(template, reason):
            return "The checkpoint template \"\(template)\" cannot be used: \(reason)."
        case let .checkpointTemplateRequired(layout, example):
            return "The \(layout) layout needs the checkpoint file names: give --checkpoint with the path you gave the framework, relative to MODEL_DIR (for example --checkpoint '\(example)')."
        }
    }
}

extension ExportError {
    /// The error for a side file at `path` that ``FileOperations/readFile(_:limit:)`` refused.
    static func sideFile(_ path: String, _ error: BoundedReadError) -> ExportError {
        switch error {
        case .system(let system): return .fileSystem(operation: "read", path: path, error: system)
        case .notRegularFile, .tooLarge: return .unusableSideFile(path: path, reason: error.description)
        }
    }
}
