import TFEvents

/// `MODEL_DIR/export/NAME/decisions.jsonl`: one JSON object per decision of
/// `export` and `watch`, and per collection they make on start, appended
/// while the export lock is held. Why a model was or was not exported, and
/// which exports were deleted, can be read there after the fact.
enum ExportDecisionLog {
    /// The file name, beside the export directories (garbage collection
    /// touches 10-digit directories only).
    static let fileName = "decisions.jsonl"

    /// Appends one decision; a failure to write is a warning, never a
    /// reason to stop exporting.
    static func record(_ outcome: ExportOutcome, exportPath: String) {
        append(OutputRecord([("time", .number(now())), ("event", .string("decision"))] + outcome.record.fields.map { ($0.name, $0.value) }),
               exportPath: exportPath)
    }

    /// Appends the collection made on start, when it deleted anything.
    static func record(startCollection report: ExportGarbageCollector.Report, exportPath: String) {
        guard !report.removed.isEmpty else { return }
        append(OutputRecord([
            ("time", .number(now())), ("event", .string("collection on start")),
            ("removed", .list(report.removed.map(OutputValue.string))),
            ("reason", .string("more exports than --keep, left by a run stopped between an export and its collection")),
        ]), exportPath: exportPath)
    }

    private static func append(_ record: OutputRecord, exportPath: String) {
        let path = FilePathText.join(exportPath, fileName)
        do { try FileOperations.append(Array((record.json + "\n").utf8), to: path) } catch {
            StandardError.report("warning: \(path): could not record the decision: \(error)")
        }
    }

    private static func now() -> Double { SystemClock.now }
}
