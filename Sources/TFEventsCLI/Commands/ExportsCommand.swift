import ArgumentParser
import TFEvents
import TFEventsReport

/// `tfevents exports`: the exports that survive in a model directory.
struct ExportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exports",
        abstract: "List the exports of a model directory: exporter, version, time, step and metrics.",
        discussion: """
        Lists MODEL_DIR/export/<exporter>/<10-digit seconds>/, oldest first per exporter. The step and \
        metrics come from the export's manifest (export_manifest.pb or .pbtxt, written by tfevents); \
        an export without one (written by TensorFlow) shows the global_step saved in its \
        variables/variables.index, and no metrics. temp-* directories are exports in progress and \
        are not listed; in a bucket, neither are exports not yet committed by their manifest.

        Exit status: 0, also when there are no exports; 2 when MODEL_DIR is missing.

        Examples:
          tfevents exports model_dir
          tfevents exports gs://bucket/runs/resnet --metric accuracy --format json
        """
    )

    @Argument(help: "The model directory (Estimator's model_dir, or another framework's run directory).")
    var modelDirectory: String

    @Option(help: ArgumentHelp("The metric shown in the text table (default: loss when the manifests have it, else the first metric of the newest one).", valueName: "name"))
    var metric: String?

    @Option(help: "Output format: \(OutputFormat.list(Self.formats)).")
    var format: OutputFormat = .text

    static let formats: [OutputFormat] = [.text, .json, .jsonl, .csv, .arrow]

    func validate() throws { try format.require(Self.formats) }

    func run() throws {
        try EvaluationOptions.requireModelDirectory(modelDirectory)
        let entries = ExportListing.exports(modelDirectory: modelDirectory)
        func source(_ entry: ExportEntry) -> String {
            switch entry.stepSource {
            case .manifest?: return "manifest"
            case .savedModel?: return "saved_model"
            case nil: return "unknown"
            }
        }
        let out = StandardOutput.shared
        if format == .text {
            let results = entries.compactMap { $0.manifest?.evalResult }
            let metric = self.metric ?? (results.contains { $0.metrics["loss"] != nil } ? "loss"
                                         : results.last?.sortedMetricNames.first ?? "loss")
            out.write("exporter\tversion\ttime\tstep\tstep_from\t\(metric)\tpath\n")
            for entry in entries {
                let value = entry.manifest?.evalResult.metrics[metric].map { "\($0)" } ?? "-"
                out.write("\(entry.exporter)\t\(entry.version)\t\(entry.seconds.map(ReportDate.utc(seconds:)) ?? "-")\t"
                    + "\(entry.globalStep.map(String.init) ?? "-")\t\(source(entry))\t\(value)\t\(entry.path)\n")
            }
            for entry in entries where entry.manifestProblem != nil {
                StandardError.report("\(entry.path): unreadable manifest: \(entry.manifestProblem ?? "")")
            }
        } else {
            var output = RecordOutput(format: format)
            for entry in entries {
                let metrics = (entry.manifest?.evalResult.metrics ?? [:]).sorted { $0.key < $1.key }
                output.write(OutputRecord([
                    ("exporter", .string(entry.exporter)), ("version", .string(entry.version)),
                    ("time", entry.seconds.map { .integer($0) } ?? .null),
                    ("global_step", entry.globalStep.map { .integer($0) } ?? .null),
                    ("step_from", .string(source(entry))),
                    ("metrics", .record(OutputRecord(metrics.map { ($0.key, OutputValue.number($0.value)) }))),
                    ("checkpoint", entry.manifest.map { .string($0.checkpointPath) } ?? .null),
                    ("layout", entry.manifest.map { .string($0.checkpointLayout.isEmpty ? "estimator" : $0.checkpointLayout) } ?? .null),
                    ("path", .string(entry.path)),
                ]))
            }
            output.finish()
        }
        out.flush()
    }
}
