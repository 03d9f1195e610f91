import ArgumentParser
import TFEvents

/// `tfevents best`: the best evaluation in a model directory's eval event
/// files, as `BestExporter` would find it, and its checkpoint.
struct BestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Find the best evaluation in a model directory and its checkpoint.",
        discussion: """
        Reads MODEL_DIR/eval/*.tfevents.* (or --pattern, or eval_NAME/ with --eval-name) in sorted \
        order, events in file order: each summary event is one evaluation, and one replaces the best \
        only when strictly better (loss smaller by default). Evaluations without the metric (a BLEU \
        summary written into eval/) or with a NaN value are skipped and counted. TF2 tensor scalars \
        count, unlike in TensorFlow.

        The checkpoint is MODEL_DIR/model.ckpt-<step>, found through the checkpoint file; null when \
        TensorFlow has already deleted it (the nearest surviving ones are named on stderr).

        Other frameworks (--layout, recognised by default): huggingface (MODEL_DIR = output_dir; \
        runs/*/ events, eval/loss, checkpoint-<step>/), lightning (MODEL_DIR = lightning_logs/version_N; \
        val_loss, checkpoints/epoch=E-step=S.ckpt; --checkpoint takes ModelCheckpoint's filename), keras \
        (MODEL_DIR = where training ran; logs/validation/ events, epoch_loss; --checkpoint takes \
        ModelCheckpoint's filepath, whose {epoch} is the logged step + 1), orbax (checkpoints/<step>/, \
        committed ones only; eval/ events, loss; ties go to the latest step as in best_step()). A \
        checkpoint that the framework's rotation deleted is reported as deleted, never guessed.

        Index: with a built-in comparison (and without --strict) the answer can come through an \
        index of the eval files, kept in $XDG_CACHE_HOME/tfevents (or ~/.cache/tfevents), one file \
        per model directory and pattern, about 10 % of the eval files' size (107 MB for a 1 GiB log). Building it reads the files several \
        times slower than this command reads them directly, so by default the index is used only \
        when that is cheap: when it exists and less than an eighth of the eval files' bytes is new \
        (or under 16 MiB in at most 64 files is). Otherwise the files are read directly and the index is left as it \
        is. --build-index builds or updates it whatever it costs (worth it when a large directory \
        will be asked again and again: later runs read only what was appended); --no-index, or \
        TFEVENTS_NO_INDEX=1 in the environment, never touches it; --index PATH keeps it elsewhere \
        and always uses it.

        Exit status: 0 found, 1 corrupt records were skipped (or --strict failed), 2 usage, \
        3 no evaluation at all.

        Examples:
          tfevents best model_dir
          tfevents best model_dir --metric accuracy --higher-is-better --format json
          tfevents best model_dir --eval-name holdout
          tfevents best out --metric eval/accuracy --higher-is-better   # Hugging Face
          tfevents best lightning_logs/version_0 --metric val_acc --higher-is-better \\
              --checkpoint '{epoch}-{step}-{val_acc:.3f}'
          tfevents best . --layout keras \\
              --checkpoint 'ckpt/epoch{epoch:02d}-{val_loss:.4f}.weights.h5'
        """
    )

    @OptionGroup var evaluation: EvaluationOptions

    @Option(help: "Output format: \(OutputFormat.list(Self.formats)).")
    var format: OutputFormat = .text

    static let formats: [OutputFormat] = [.text, .json]

    func validate() throws {
        try format.require(Self.formats)
        if noIndex && buildIndex { throw ValidationError("--no-index and --build-index contradict each other") }
    }

    @Flag(name: .customLong("no-index"), help: "Read the eval files directly, never through their index.")
    var noIndex = false

    @Flag(name: .customLong("build-index"),
          help: "Build or update the index even when reading the files directly would be faster this time.")
    var buildIndex = false

    @Option(name: .customLong("index"), help: "Index file (default: under $XDG_CACHE_HOME/tfevents).")
    var indexPath: String?

    /// The recovery through the index, or nil when it cannot answer.
    private func indexedRecovery() throws -> (EvalRecovery.Result, corrupt: Bool)? {
        guard !noIndex, indexPath != nil || buildIndex || !IndexCache.disabled else { return nil }
        // The index counts every summary event as an evaluation and keeps the
        // earliest of ties: Estimator's rules. Other layouts read the files.
        guard evaluation.layout.preset == .estimator else { return nil }
        var options = IndexOptions()
        options.records = evaluation.reading.recordOptions
        options.maximumReadFraction = indexPath == nil && !buildIndex ? IndexCache.maximumReadFraction : nil
        let answer: (EvalRecovery.Result, IndexUpdateReport)?
        do {
            answer = try EvalRecovery.recoverThroughIndex(
                modelDirectory: evaluation.modelDirectory, pattern: evaluation.eventFilePattern,
                comparison: evaluation.comparison, options: evaluation.trackerOptions,
                indexOptions: options, indexPath: indexPath)
        } catch {
            // An index that cannot be used is not fatal: read the files.
            StandardError.report("\(error.description); reading the eval files directly")
            return nil
        }
        guard let (result, report) = answer else { return nil }
        if let reason = report.rebuildReason, !reason.wasRequested {
            StandardError.report("index: \(reason)")
        }
        for skipped in report.skipped { StandardError.report(skipped.description) }
        for issue in result.issues { StandardError.report(issue.description) }
        return (result, !result.issues.isEmpty)
    }

    func run() throws {
        try evaluation.requireModelDirectory()
        var (result, corrupt) = try indexedRecovery() ?? evaluation.recover(newest: false)
        if let best = result.best, evaluation.layout.preset != .estimator, locateCheckpoint(step: best.globalStep) == nil {
            // The framework's best is the best checkpoint it kept: the best
            // evaluation whose checkpoint survives complete.
            let value = best.metrics[evaluation.metricName].map(OutputText.plain) ?? "?"
            StandardError.report("note: step \(best.globalStep) evaluated better (\(evaluation.metricName) = \(value)) but has no "
                                 + "complete checkpoint; the best evaluation with one follows")
            (result, corrupt) = try evaluation.recover(newest: false, onlySteps: evaluation.checkpointSteps())
        }
        guard let best = result.best else {
            evaluation.reportNoEvaluation(result)
            StandardOutput.shared.flush()
            throw ExitCode(ExitStatus.noEvaluation)
        }
        let checkpoint = locateCheckpoint(step: best.globalStep, report: true)
        let out = StandardOutput.shared
        switch format {
        case .json, .jsonl, .csv, .arrow:
            RecordOutput.single(OutputRecord([
                ("global_step", .integer(best.globalStep)),
                ("metrics", .record(OutputRecord(best.sortedMetrics.map { ($0.name, .number($0.value)) }))),
                ("event_file", .optional(best.source?.path)),
                ("checkpoint", .optional(checkpoint?.prefix)),
                ("skipped", .int(result.statistics.skipped)),
            ]), format: format)
        case .text:
            let metric = evaluation.metricName
            out.write("best evaluation: global step \(best.globalStep), \(metric) = \(best.metrics[metric].map(OutputText.plain) ?? "?")"
                      + " (\(evaluation.comparison.description))\n")
            if let source = best.source {
                let event = source.eventIndex >= 0 ? "event \(source.eventIndex), " : ""
                out.write("event file:      \(OutputText.terminal(source.path)) (\(event)offset \(source.recordOffset))\n")
            }
            out.write("checkpoint:      \(OutputText.terminal(checkpoint?.prefix ?? "(deleted)"))\n")
            out.write("evaluations:     \(result.statistics.evaluations) in \(result.files.count) file(s), "
                      + "\(result.statistics.skipped) skipped\n")
            out.write("metrics:\n")
            let width = best.metrics.keys.map(\.count).max() ?? 0
            for (name, value) in best.sortedMetrics {
                out.write("  " + name + String(repeating: " ", count: width - name.count) + "  "
                          + OutputText.plain(value) + "\n")
            }
        }
        out.flush()
        if corrupt { throw ExitCode(ExitStatus.corruption) }
    }

    /// The checkpoint of `step`, or nil (with a note on stderr when
    /// `report`) when it is gone.
    private func locateCheckpoint(step: Int64, report: Bool = false) -> Checkpoint? {
        do {
            return try evaluation.model.checkpoints.checkpoint(forStep: step)
        } catch {
            if report { StandardError.report("note: \(error)") }
            return nil
        }
    }
}


