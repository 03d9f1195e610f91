import ArgumentParser
import TFEvents

/// `tfevents export`: one BestExporter decision for the newest evaluation.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the newest evaluation's checkpoint if it is the best (one BestExporter decision).",
        discussion: """
        Reads the eval event files as `tfevents best` does, takes the newest evaluation and decides \
        as a freshly started BestExporter: export if it is at least as good as the best in the event \
        files and not worse than the best export that survives. If it is worse and an export as good \
        as the best survives in MODEL_DIR/export/NAME, nothing is exported; if none survives, the best's \
        own checkpoint is exported when it still exists, else the newest evaluation if it beats every \
        surviving export. \
        (--tensorflow-restart exports unconditionally, as TensorFlow does after every restart.)

        An export is MODEL_DIR/export/NAME/<seconds>/: variables/variables.{index,data-*} hard-linked \
        (or copied) from the checkpoint, assets.extra/, and export_manifest.pb (.pbtxt with --as-text). \
        It is written under temp-<seconds> and renamed when complete. Old exports are then deleted down \
        to --keep (newest, or best with --keep-best); nothing but 10-digit directories is touched. \
        A deleted export is renamed to temp-removing-<seconds> first, so no half-deleted export is ever \
        visible. After taking the lock, temp-* directories left by an interrupted export are removed \
        and old exports beyond --keep (left by a run killed before its collection) are deleted. \
        The best surviving export is never deleted, and nothing worse than it is exported.

        MODEL_DIR may be a bucket URL (gs://BUCKET/PREFIX, s3://BUCKET/PREFIX). There is no rename \
        there: an export is written under its numbered prefix, marked .tfevents-export-pending first \
        and committed by its manifest, written last; checkpoints are copied on the server. Prefixes \
        marked pending without a manifest are left by interrupted exports: not counted, and removed \
        after taking the lock. The lock is an object created only if absent, held as a lease renewed \
        every TFEVENTS_EXPORT_LEASE/3 seconds (default lease 120 s) and taken over once it expires.

        Every decision is appended to MODEL_DIR/export/NAME/decisions.jsonl (time, step, metrics, \
        exported or not and why, exports deleted). After each export, MODEL_DIR/export/NAME/best.json \
        (step, metrics, checkpoint, export directory) and the symbolic link best -> <seconds> point \
        at it, both replaced in one step (no link in buckets).

        Prints the export directory, or why nothing was exported.

        Exit status: 0 decided (exported or not), 1 corrupt records, 2 usage, 3 no evaluation, \
        4 the export failed or another process holds the export lock.

        Examples:
          tfevents export model_dir
          tfevents export model_dir --metric accuracy --higher-is-better \\
              --keep 3 --keep-best
          tfevents export gs://bucket/runs/resnet --keep 5
          tfevents export model_dir --command \\
              'python3 docs/examples/estimator_to_savedmodel.py \\
               --checkpoint {checkpoint} --export-dir {export_dir} \\
               --input x=IteratorGetNext:0 --output y=dnn/logits/BiasAdd:0'
          tfevents export . --checkpoint 'ckpt/model-{epoch:02d}.keras' --keep-top 3 \\
              --command 'python3 docs/examples/keras_to_savedmodel.py \\
                         --checkpoint {checkpoint} --export-dir {export_dir}'

        Serving: TensorFlow Serving pointed at MODEL_DIR/export/NAME takes every numbered export as a \
        model version. Serve only exports a --command wrote as SavedModels: the default export is a \
        checkpoint snapshot without saved_model.pb.
        """
    )

    @OptionGroup var evaluation: EvaluationOptions
    @OptionGroup var exporting: ExportingOptions

    @Option(help: "Output format: \(OutputFormat.list(ExportOutcome.formats)).")
    var format: OutputFormat = .text

    @Flag(help: "Export the newest evaluation whatever its metric, as tf.estimator.LatestExporter (default name latest_exporter; --keep, --keep-best apply).")
    var latest = false

    @Flag(help: "Export the newest evaluation as the final export, as tf.estimator.FinalExporter (default name final_exporter; nothing is deleted).")
    var final = false

    func validate() throws {
        try format.require(ExportOutcome.formats)
        if latest && final { throw ValidationError("--latest and --final are two exporters: choose one.") }
    }

    func run() throws {
        try evaluation.requireModelDirectory()
        if latest || final { return try runUnconditional() }
        var exporter = try exporting.makeExporter(evaluation: evaluation)
        let model = evaluation.model
        let exportPath = model.exportPath(for: exporter.name)
        let lock = try ExportLock.forCommand(exportPath: exportPath)
        defer { lock.release() }
        exporter.collectOnStart(exportPath: exportPath)

        let (result, newest, corrupt) = try newestEvaluation()
        exporter.prime(modelDirectory: model, recovery: result)
        try decide(exportPath: exportPath, corrupt: corrupt, pointsToBest: true) { () throws(ExportError) in
            try exporter.considerExport(model: model, exportPath: exportPath, checkpoint: .matchingGlobalStep, evalResult: newest)
        }
    }

    /// Every eval file read: the recovery, its newest evaluation (exit 3
    /// without one) and whether a record was corrupt.
    private func newestEvaluation() throws -> (EvalRecovery.Result, EvalResult, corrupt: Bool) {
        // Other frameworks: the evaluations whose checkpoint exists (their
        // own notion of the best is the best saved checkpoint).
        let (result, corrupt) = try evaluation.recover(onlySteps: evaluation.checkpointSteps())
        guard let newest = result.newest else {
            evaluation.reportNoEvaluation(result)
            throw ExitCode(ExitStatus.noEvaluation)
        }
        return (result, newest, corrupt)
    }

    /// Makes one decision and reports it: the decision log, the line on
    /// stdout, the reason on stderr; exit 4 when the export failed, 1 when
    /// a record was corrupt.
    private func decide(exportPath: String, corrupt: Bool, pointsToBest: Bool = false,
                        _ consider: () throws(ExportError) -> ExportOutcome) throws {
        let outcome: ExportOutcome
        do { outcome = try consider() } catch {
            StandardError.report("export failed: \(error)")
            throw ExitCode(ExitStatus.exportFailed)
        }
        ExportDecisionLog.record(outcome, exportPath: exportPath)
        if pointsToBest { BestPointer.update(after: outcome, exportPath: exportPath, layout: evaluation.layout) }
        StandardOutput.shared.write(outcome.line(format: format) + "\n")
        StandardOutput.shared.flush()
        if format == .text && outcome.exported {
            StandardError.report("exported step \(outcome.evalResult.globalStep): \(outcome.reason)")
        }
        outcome.reportCleanupFailures()
        if corrupt { throw ExitCode(ExitStatus.corruption) }
    }

    /// `--latest` / `--final`: TensorFlow's other two exporters, which
    /// export the newest evaluation without comparing it.
    private func runUnconditional() throws {
        let name = exporting.name == "best_exporter" ? (latest ? "latest_exporter" : "final_exporter") : exporting.name
        var exporter: any ExplainingExporter
        do {
            if latest {
                var options = LatestExporter.Options()
                if exporting.keepBest { options.keepBest = evaluation.comparison }
                exporter = try LatestExporter(name: name, modelWriter: exporting.modelWriter, assetsExtra: exporting.assetsExtraMap,
                                              asText: exporting.asText, exportsToKeep: exporting.keepAll ? nil : exporting.keep,
                                              options: options)
            } else {
                exporter = try FinalExporter(name: name, modelWriter: exporting.modelWriter, assetsExtra: exporting.assetsExtraMap,
                                             asText: exporting.asText)
            }
        } catch {
            throw ValidationError(error.description)
        }
        let model = evaluation.model
        let exportPath = model.exportPath(for: name)
        let lock = try ExportLock.forCommand(exportPath: exportPath)
        defer { lock.release() }
        let (_, newest, corrupt) = try newestEvaluation()
        let isFinal = final
        try decide(exportPath: exportPath, corrupt: corrupt) { () throws(ExportError) in
            try exporter.considerExport(model: model, exportPath: exportPath, checkpoint: .matchingGlobalStep,
                                        evalResult: newest, isFinalExport: isFinal)
        }
    }
}
