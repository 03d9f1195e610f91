import TFEvents

/// `MODEL_DIR/export/NAME/best.json` and the `best` symbolic link: where the
/// best export is, rewritten in one step after every export of `export` and
/// `watch`, so that serving or a script can follow one fixed name.
/// `best.json` is one JSON line (step, metrics, checkpoint, export
/// directory, layout); the link (`best` → `<seconds>`, relative) is made
/// where the file system has links (not in buckets). Garbage collection
/// touches 10-digit names only, and TensorFlow Serving loads numbered
/// versions only: neither sees these.
enum BestPointer {
    /// `best.json`.
    static let fileName = "best.json"
    /// `best`.
    static let linkName = "best"

    /// Points at the export `outcome` made; a failure is a warning.
    static func update(after outcome: ExportOutcome, exportPath: String, layout: CheckpointLayout) {
        guard let directory = outcome.exportDirectory else { return }
        let record = OutputRecord([
            ("global_step", .integer(outcome.evalResult.globalStep)),
            ("metrics", .record(OutputRecord(outcome.evalResult.sortedMetrics.map { ($0.name, .number($0.value)) }))),
            ("checkpoint", .optional(outcome.checkpoint?.prefix)),
            ("export_dir", .string(directory)),
            ("version", .string(FilePaths.basename(directory))),
            ("layout", .string(layout.preset.rawValue)),
        ])
        let path = FilePathText.join(exportPath, fileName)
        do { try FileOperations.replaceFile(path, Array((record.json + "\n").utf8)) } catch {
            StandardError.report("warning: \(path): could not update the pointer to the best export: \(error)")
        }
        guard !ObjectStores.isRemote(exportPath) else { return }
        let link = FilePathText.join(exportPath, linkName)
        do { try FileOperations.replaceSymbolicLink(link, target: FilePaths.basename(directory)) } catch {
            StandardError.report("warning: \(link): could not update the link to the best export: \(error)")
        }
    }
}
