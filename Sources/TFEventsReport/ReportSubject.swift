import TFRecord
import TFEventsCore
import TFEventsExport
import TFEventsSystem

/// What a report is about, told from the directory's contents.
public enum ReportSubject: String, Sendable, CaseIterable {
    /// An Estimator model directory: checkpoints, `eval*/` event files,
    /// `export/`. One model: its best evaluation, exports and checkpoints
    /// are marked.
    case modelDirectory = "model"
    /// A log directory of runs (any directory of event files): the runs
    /// are overlaid per tag.
    case logDirectory = "logdir"

    /// A model directory has a `checkpoint` file, a `*.index` checkpoint
    /// file, an `export/` directory, or an `eval/` or `eval_*/` directory
    /// beside event files at its top; anything else is a log directory.
    public static func detect(directory: String) -> ReportSubject {
        guard let names = try? Directories.list(directory) else { return .logDirectory }
        func isDirectory(_ name: String) -> Bool {
            Directories.isDirectory(FilePaths.join(directory, name))
        }
        for name in names {
            if name == CheckpointState.fileName && !isDirectory(name) { return .modelDirectory }
            if name.hasSuffix(".index") && name.contains(".ckpt") { return .modelDirectory }
            if name == "export" && isDirectory(name) { return .modelDirectory }
        }
        let hasTopEvents = names.contains { EventFileDiscovery.isEventFileName(Substring($0)) }
        let hasEval = names.contains { ($0 == "eval" || $0.hasPrefix("eval_")) && isDirectory($0) }
        return hasTopEvents && hasEval ? .modelDirectory : .logDirectory
    }
}
