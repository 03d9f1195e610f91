import ArgumentParser
import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ExitStatus {
    /// `export`, `watch`: an export failed (or the export directory is locked).
    static let exportFailed: Int32 = 4
    /// `watch --patience`: no improvement for that many evaluations; the
    /// STOP file was written.
    static let stoppedEarly: Int32 = 5
}

/// The options of `best`, `export` and `watch` that say which evaluations
/// are read and how they are compared.
struct EvaluationOptions: ParsableArguments {
    @Argument(help: "The model directory: Estimator's model_dir, the Trainer's output_dir, Lightning's version_N/, Keras's working directory, Orbax's workdir.")
    var modelDirectory: String

    @Option(help: ArgumentHelp("Glob of the eval event files, relative to MODEL_DIR, as BestExporter's event_file_pattern.",
                               valueName: "glob"))
    var pattern: String?

    @Option(name: .customLong("eval-name"),
            help: ArgumentHelp("Read the evaluations named NAME (EvalSpec(name=...)): eval_NAME/*.tfevents.*.",
                               valueName: "name"))
    var evalName: String?

    @Option(help: ArgumentHelp("The metric to compare (default: the layout's loss tag, loss/eval/loss/val_loss/epoch_loss; smaller is better).", valueName: "name"))
    var metric: String?

    @Flag(name: .customLong("higher-is-better"), help: "A larger value of --metric is better (accuracy, AUC, BLEU).")
    var higherIsBetter = false

    @Flag(help: "Behave as TensorFlow: an evaluation without the metric is an error, not skipped.")
    var strict = false

    @OptionGroup var reading: ReadingOptions

    @OptionGroup(title: "Checkpoint layout") var layoutOptions: LayoutOptions

    /// The checkpoint layout (resolved once: see ``LayoutOptions/resolve(modelDirectory:)``).
    var layout: CheckpointLayout { (try? layoutOptions.resolve(modelDirectory: modelDirectory)) ?? .estimator }

    func validate() throws {
        if pattern != nil && evalName != nil { throw ValidationError("Give --pattern or --eval-name, not both.") }
        if let pattern, pattern.isEmpty { throw ValidationError("--pattern must not be empty.") }
        if let metric, metric.isEmpty { throw ValidationError("--metric must not be empty.") }
        if higherIsBetter && metric == nil {
            throw ValidationError("--higher-is-better needs --metric (the default metric, loss, is smaller-is-better).")
        }
    }

    /// The glob, relative to the model directory.
    var eventFilePattern: String {
        pattern ?? (evalName != nil ? EvalRecovery.pattern(evalName: evalName) : layout.evalPattern)
    }

    /// The comparison chosen.
    var comparison: MetricComparison {
        guard let metric else { return .goal(.minimize(layout.defaultMetric)) }
        return higherIsBetter ? .larger(metric) : .smaller(metric)
    }

    /// The metric compared, for messages.
    var metricName: String { metric ?? layout.defaultMetric }

    var trackerOptions: BestTracker.Options {
        var options = BestTracker.Options(strict: strict, trackNewest: true)
        options.tiesGoToLatest = layout.ties == .latest
        options.metricEventsOnly = layout.preset != .estimator
        return options
    }

    var model: ModelDirectory { ModelDirectory(modelDirectory, layout: layout) }

    /// Exit status 2, with one message and nothing created, when MODEL_DIR
    /// is missing or not a directory (a mistyped path must not become a
    /// new model directory holding an export lock).
    /// Then resolves the checkpoint layout (exit 2 when it cannot be used).
    func requireModelDirectory() throws {
        try Self.requireModelDirectory(modelDirectory)
        _ = try layoutOptions.resolve(modelDirectory: modelDirectory)
    }

    /// ``requireModelDirectory()`` for any command taking a MODEL_DIR.
    static func requireModelDirectory(_ path: String) throws {
        do {
            guard try FileIdentity(path: path).isDirectory else {
                StandardError.report("\(path): not a directory (MODEL_DIR is the model directory)")
                throw ExitCode(ExitStatus.usage)
            }
        } catch let error as SystemError {
            StandardError.report("\(path): \(error.code == ENOENT && error.detail == nil ? "no such model directory" : error.description)")
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// Reads every eval file; reports read problems on stderr.
    ///
    /// - Returns: the recovery and whether any record was corrupt.
    /// - Parameters:
    ///   - newest: also find the newest evaluation (costs tag interning).
    ///   - onlySteps: count only evaluations at these steps.
    func recover(newest: Bool = true, onlySteps: Set<Int64>? = nil) throws -> (EvalRecovery.Result, corrupt: Bool) {
        let result: EvalRecovery.Result
        var options = trackerOptions
        options.trackNewest = newest
        options.onlySteps = onlySteps
        do {
            result = try EvalRecovery.recover(modelDirectory: modelDirectory, pattern: eventFilePattern,
                                              comparison: comparison, options: options,
                                              readerOptions: reading.recordOptions)
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.corruption)
        }
        for issue in result.issues { StandardError.report(issue.description) }
        return (result, !result.issues.isEmpty)
    }

    /// The steps whose checkpoint survives complete, for layouts other than
    /// Estimator's (nil for Estimator: TensorFlow's exporter judges every
    /// evaluation and names deleted checkpoints as such).
    func checkpointSteps() throws -> Set<Int64>? {
        guard layout.preset != .estimator else { return nil }
        do {
            return Set(try model.checkpoints.survivingCheckpoints().compactMap(\.globalStep))
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.corruption)
        }
    }

    /// Says on stderr that nothing was found, and how to look elsewhere.
    func reportNoEvaluation(_ result: EvalRecovery.Result) {
        if result.files.isEmpty {
            StandardError.report("no eval event file matches \(FilePathText.join(modelDirectory, eventFilePattern))"
                + (evalName == nil && pattern == nil && layout.preset == .estimator
                    ? " (named evaluations are in eval_<name>/: use --eval-name; another framework's run: --layout)" : ""))
        } else if result.statistics.evaluations == 0 {
            StandardError.report("no evaluation in \(result.files.count) eval event file(s)")
        } else {
            StandardError.report("none of the \(result.statistics.evaluations) evaluations has a usable \"\(metricName)\""
                + " (\(result.statistics.skippedMissingMetric) without it, \(result.statistics.skippedNaN) NaN)")
        }
    }
}

/// The options of `export` and `watch` that say how to export.
struct ExportingOptions: ParsableArguments {
    @Option(help: "The exporter name: exports go to MODEL_DIR/export/NAME.")
    var name = "best_exporter"

    @Option(help: ArgumentHelp("How many exports to keep (exports_to_keep).", valueName: "n"))
    var keep = 5

    @Flag(name: .customLong("keep-all"), help: "Keep every export (exports_to_keep=None).")
    var keepAll = false

    @Flag(name: .customLong("keep-best"), help: "Keep the best N exports rather than the newest N.")
    var keepBest = false

    @Option(name: .customLong("keep-top"), help: ArgumentHelp("Keep the K best exports by the metric; with --keep-last, both (best-K ∪ last-N).", valueName: "k"))
    var keepTop: Int?

    @Option(name: .customLong("keep-last"), help: ArgumentHelp("Keep the N newest exports; with --keep-top, both.", valueName: "n"))
    var keepLast: Int?

    @Option(name: .customLong("keep-every"), help: ArgumentHelp("Also keep every export whose step is a multiple of K (Orbax's keep_period).", valueName: "k"))
    var keepEvery: Int64?

    @Option(name: .customLong("min-delta"), help: ArgumentHelp("Export only when the metric improves on the best by more than D (also what --patience counts as an improvement).", valueName: "d"))
    var minDelta: Double?

    @Option(name: .customLong("initial-threshold"), help: ArgumentHelp("Export nothing that is not better than this value of the metric (Keras's initial_value_threshold).", valueName: "value"))
    var initialThreshold: Double?

    @Option(name: .customLong("assets-extra"),
            help: ArgumentHelp("Copy SRC to assets.extra/DEST in every export; repeatable.", valueName: "dest=src"))
    var assetsExtra: [String] = []

    @Flag(name: .customLong("as-text"), help: "Write the manifest in protobuf text format; passed to --command as {as_text}.")
    var asText = false

    @Option(help: ArgumentHelp("""
        Write each export with this shell command (run by /bin/sh) instead of linking the checkpoint's \
        variables. Placeholders: {checkpoint} {export_dir} {as_text} {global_step} {model_dir} {name}. \
        Each becomes a quoted reference to an environment variable holding its value \
        (TFEVENTS_CHECKPOINT, TFEVENTS_EXPORT_DIR, ...), so no value is ever run as shell code; do not put \
        a placeholder inside single quotes (refused: it could not expand).
        """, valueName: "cmd"))
    var command: String?

    @Option(name: .customLong("command-timeout"), help: ArgumentHelp("Kill --command, and every process it started, after this many seconds.", valueName: "seconds"))
    var commandTimeout: Double?

    @Flag(name: .customLong("tensorflow-restart"),
          help: "After a start, export the first evaluation unconditionally, as TensorFlow does (even if worse than an existing export).")
    var tensorFlowRestart = false

    func validate() throws {
        if keep <= 0 { throw ValidationError("--keep must be positive (use --keep-all to keep every export).") }
        if let keepTop, keepTop < 0 { throw ValidationError("--keep-top must not be negative.") }
        if let keepLast, keepLast < 0 { throw ValidationError("--keep-last must not be negative.") }
        if let keepEvery, keepEvery <= 0 { throw ValidationError("--keep-every must be positive.") }
        if usesUnion && (keepAll || keepBest) {
            throw ValidationError("--keep-top/--keep-last/--keep-every replace --keep-best and --keep-all: give one kind.")
        }
        if usesUnion && (keepTop ?? 0) + (keepLast ?? 0) == 0 && keepEvery == nil {
            throw ValidationError("--keep-top 0 with --keep-last 0 would delete every export.")
        }
        if let minDelta, !(minDelta >= 0) { throw ValidationError("--min-delta must be a non-negative number.") }
        if let initialThreshold, initialThreshold.isNaN { throw ValidationError("--initial-threshold must be a number.") }
        for pair in assetsExtra where !pair.contains("=") {
            throw ValidationError("--assets-extra takes DEST=SRC, got '\(pair)'.")
        }
        if let commandTimeout, commandTimeout <= 0 { throw ValidationError("--command-timeout must be positive.") }
        if let command {
            do { _ = try CommandModelWriter.script(for: command) } catch { throw ValidationError("--command: \(error)") }
        }
    }

    /// Whether the union retention (`--keep-top`, `--keep-last`, `--keep-every`) was asked for.
    var usesUnion: Bool { keepTop != nil || keepLast != nil || keepEvery != nil }

    /// `--assets-extra` as a dictionary.
    var assetsExtraMap: [String: String] {
        var map: [String: String] = [:]
        for pair in assetsExtra {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            map[String(parts[0])] = String(parts[1])
        }
        return map
    }

    /// What writes each export: `--command`, else a checkpoint snapshot.
    var modelWriter: any ModelWriter {
        guard let command else { return CheckpointSnapshotWriter() }
        return CommandModelWriter(command: command, timeout: commandTimeout, onOutput: { bytes in
            bytes.withUnsafeBytes { StandardError.write(bytes: $0) }
        })
    }

    /// The exporter these options describe.
    func makeExporter(evaluation: EvaluationOptions) throws -> BestExporter {
        let writer = modelWriter
        var options = BestExporter.Options()
        options.restartPolicy = tensorFlowRestart ? .tensorFlow : .safe
        options.retention = keepBest ? .best : .newest
        if usesUnion {
            // --keep-every alone keeps the default newest N beside the multiples.
            let newest = keepLast ?? (keepTop == nil ? keep : 0)
            options.retention = .union(best: keepTop ?? 0, newest: newest, every: keepEvery)
        }
        options.minDelta = minDelta ?? 0
        options.tiesGoToLatest = evaluation.layout.ties == .latest
        options.metricEventsOnly = evaluation.layout.preset != .estimator
        options.initialThreshold = initialThreshold
        options.strict = evaluation.strict
        options.readerOptions = evaluation.reading.recordOptions
        do {
            return try BestExporter(name: name, modelWriter: writer, eventFilePattern: evaluation.eventFilePattern,
                                    comparison: evaluation.comparison, assetsExtra: assetsExtraMap, asText: asText,
                                    exportsToKeep: keepAll ? nil : keep, options: options)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

extension ExportOutcome {
    /// The formats `export` and `watch` print outcomes in (`json` and
    /// `jsonl` both print one object per outcome, on one line).
    static let formats: [OutputFormat] = [.text, .json, .jsonl]

    /// One line: the export directory, or `not exported: <reason>`; with
    /// `json`, an object.
    func line(format: OutputFormat) -> String {
        guard format != .text else {
            if let exportDirectory { return OutputText.terminal(exportDirectory) }
            return OutputText.terminal("not exported (step \(evalResult.globalStep)): \(reason)")
        }
        return record.json
    }

    /// The outcome as an object: what `--format json` prints and the
    /// decision log keeps.
    var record: OutputRecord {
        OutputRecord([
            ("exported", .bool(exported)),
            ("export_dir", .optional(exportDirectory)),
            ("global_step", .integer(evalResult.globalStep)),
            ("metrics", .record(OutputRecord(evalResult.sortedMetrics.map { ($0.name, .number($0.value)) }))),
            ("checkpoint", .optional(checkpoint?.prefix)),
            ("reason", .string(reason.description)),
            ("removed", .list((garbageCollection?.removed ?? []).map(OutputValue.string))),
        ])
    }

    /// Reports garbage-collection failures on stderr.
    func reportCleanupFailures() {
        for failure in garbageCollection?.failures ?? [] { StandardError.report("warning: \(failure)") }
    }
}

/// Path joining for messages.
enum FilePathText {
    static func join(_ directory: String, _ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

extension StandardError {
    /// Writes raw bytes (a child process's output).
    static func write(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(2, base + offset, bytes.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}
