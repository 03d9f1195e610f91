import ArgumentParser
import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tfevents watch`: a sidecar exporting each better evaluation as
/// training writes it.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a model directory's evaluations and export each better one (a BestExporter sidecar).",
        discussion: """
        Polls the eval event files every --interval seconds, reading only what was appended (a \
        truncated tail is a record still being written). At start it decides about the newest \
        evaluation as `tfevents export` does, so a restart never exports a worse model while an \
        export of the best survives. Then each time a strictly better evaluation appears, its \
        checkpoint (model.ckpt-<step>) is exported and old exports are deleted down to --keep.

        Works for any training job that writes eval event files and model.ckpt-<step> checkpoints \
        (Estimator, Keras with a checkpoint callback, custom loops). Only one watcher (or export) \
        runs per export directory: the other fails with exit status 4. MODEL_DIR may be a bucket URL \
        (gs://, s3://): each poll lists the eval prefix and reads only the bytes a re-uploaded object \
        added; exports are committed by their manifest and the lock is a renewed lease (see `tfevents \
        export --help`); if the lease cannot be renewed in time, watch stops with exit status 4.

        Never exports a model worse than the best surviving export, never deletes that export, and \
        appends every decision to MODEL_DIR/export/NAME/decisions.jsonl. Each poll exports the best \
        evaluation that appeared since the last one, where TensorFlow's exporter considers every \
        evaluation in turn: when several better evaluations arrive within one --interval, only the \
        best of them is exported (with --keep N, TensorFlow would have kept the others too).

        Prints one line per decision: the export directory, or why nothing was exported. Stops \
        cleanly on SIGINT or SIGTERM (after finishing the export in progress) with status 0.

        Early stopping from outside the training job (Keras's EarlyStopping for any framework): with \
        --patience N, once N evaluations in a row are not better than the best, watch writes \
        MODEL_DIR/export/NAME/STOP (a JSON line: the best step and metric, the evaluations since) and \
        exits with status 5; a training script that sees the file can stop. Evaluations are counted \
        per poll: in a poll that brings a new best, the count starts again from zero. A STOP file \
        left by an earlier run is removed when watch starts with --patience.

        Examples:
          tfevents watch model_dir --interval 60
          tfevents watch model_dir --eval-name holdout --metric auc --higher-is-better \\
              --keep 3
          tfevents watch gs://bucket/runs/resnet --interval 120
          tfevents watch model_dir --metric accuracy --higher-is-better --patience 5
        """
    )

    @OptionGroup var evaluation: EvaluationOptions
    @OptionGroup var exporting: ExportingOptions

    @Option(help: "Seconds between polls.")
    var interval: Double = 30

    @Option(help: ArgumentHelp("Write export/NAME/STOP and exit 5 after N evaluations in a row without improvement.",
                               valueName: "N"))
    var patience: Int?

    @Option(help: "Output format: \(OutputFormat.list(ExportOutcome.formats)).")
    var format: OutputFormat = .text

    func validate() throws {
        try format.require(ExportOutcome.formats)
        guard interval > 0 else { throw ValidationError("--interval must be positive.") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1.") }
    }

    func run() throws {
        TerminationSignals.install()
        try evaluation.requireModelDirectory()
        var exporter = try exporting.makeExporter(evaluation: evaluation)
        let model = evaluation.model
        let exportPath = model.exportPath(for: exporter.name)
        let lock = try ExportLock.forCommand(exportPath: exportPath)
        defer { lock.release() }
        exporter.collectOnStart(exportPath: exportPath)
        if patience != nil { try? FileOperations.removeFile(FilePathText.join(exportPath, "STOP")) }  // an earlier run's

        var follower = EvalLogFollower(modelDirectory: model.path, pattern: evaluation.eventFilePattern,
                                       comparison: evaluation.comparison, options: evaluation.trackerOptions,
                                       readerOptions: evaluation.reading.recordOptions)
        var primed = false
        var sinceImprovement = 0
        var pending: (result: EvalResult, attempts: Int)?
        let maxAttempts = 3
        StandardError.report("watching \(FilePathText.join(model.path, evaluation.eventFilePattern)), exporting to \(exportPath)")
        while TerminationSignals.receivedSignal == nil {
            let poll: EvalLogFollower.Poll
            do { poll = try follower.poll() } catch {
                StandardError.report(error.description)
                throw ExitCode(ExitStatus.corruption)
            }
            for issue in poll.issues { StandardError.report(issue.description) }

            if !primed, let newest = follower.newest {
                // The first decision, as a freshly started exporter.
                exporter.prime(modelDirectory: model, recovery: follower.recovery)
                primed = true
                pending = (newest, 0)
            } else if primed, poll.bestChanged, let best = follower.best {
                pending = (best, 0)
            }
            // With --min-delta, an improvement is a change of the exporter's best.
            let bestBefore = exporter.best?.globalStep
            if let (candidate, attempts) = pending {
                guard lock.isHeld else {
                    // A bucket lock whose lease could not be renewed: another
                    // exporter may hold it now, and two must never write at once.
                    StandardError.report("\(lock.path): the export lock was lost (its lease could not be renewed in time); stopping")
                    throw ExitCode(ExitStatus.exportFailed)
                }
                do {
                    let outcome = try exporter.considerExport(model: model, exportPath: exportPath,
                                                              checkpoint: .matchingGlobalStep, evalResult: candidate)
                    ExportDecisionLog.record(outcome, exportPath: exportPath)
                    BestPointer.update(after: outcome, exportPath: exportPath, layout: evaluation.layout)
                    report(outcome)
                    pending = nil
                } catch {
                    StandardError.report("export of step \(candidate.globalStep) failed: \(error)")
                    let permanent: Bool
                    switch error {
                    // Other frameworks log an evaluation before saving its
                    // checkpoint (Hugging Face, Lightning): try again next poll.
                    case .checkpointDeleted, .incompleteCheckpoint: permanent = evaluation.layout.preset == .estimator
                    case .comparisonFailed, .invalidArgument: permanent = true
                    default: permanent = false
                    }
                    pending = permanent || attempts + 1 >= maxAttempts ? nil : (candidate, attempts + 1)
                }
            }
            if let patience, primed {
                let improved = poll.bestChanged && (exporting.minDelta ?? 0 == 0 || exporter.best?.globalStep != bestBefore)
                sinceImprovement = improved ? 0 : sinceImprovement + poll.newEvaluations
                if sinceImprovement >= patience, let best = follower.best {
                    try stopEarly(exportPath: exportPath, best: best, evaluations: sinceImprovement)
                }
            }
            if !TerminationSignals.sleep(seconds: interval) { break }
        }
        let signal = TerminationSignals.receivedSignal.map { $0 == SIGTERM ? "SIGTERM" : "SIGINT" } ?? "signal"
        StandardError.report("stopped (\(signal))")
        StandardOutput.shared.flush()
    }

    /// `--patience`: writes the STOP file and exits with status 5.
    private func stopEarly(exportPath: String, best: EvalResult, evaluations: Int) throws -> Never {
        let path = FilePathText.join(exportPath, "STOP")
        let record = OutputRecord([
            ("reason", .string("no improvement in \(evaluations) evaluations (--patience \(patience ?? 0))")),
            ("best_global_step", .integer(best.globalStep)),
            ("metric", .string(evaluation.metricName)),
            ("best_value", best.metrics[evaluation.metricName].map { .number($0) } ?? .null),
            ("evaluations_since", .int(evaluations)),
        ])
        do {
            try? FileOperations.removeFile(path)
            try FileOperations.writeNewFile(path, Array((record.json + "\n").utf8))
        } catch {
            StandardError.report("\(path): could not write the STOP file: \(error)")
            throw ExitCode(ExitStatus.exportFailed)
        }
        StandardError.report("no improvement in \(evaluations) evaluations since step \(best.globalStep): wrote \(path), stopping")
        StandardOutput.shared.flush()
        throw ExitCode(ExitStatus.stoppedEarly)
    }

    private func report(_ outcome: ExportOutcome) {
        StandardOutput.shared.write(outcome.line(format: format) + "\n")
        StandardOutput.shared.flush()
        if format == .text {
            StandardError.report((outcome.exported ? "exported" : "not exported")
                                 + " step \(outcome.evalResult.globalStep): \(outcome.reason)")
        }
        outcome.reportCleanupFailures()
    }
}
