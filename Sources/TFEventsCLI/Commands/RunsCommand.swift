import ArgumentParser
import TFEvents

/// `tfevents runs`: one row per run of a log directory (per HParams
/// session where there are sessions), with hyperparameters and metrics.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Compare the runs of a sweep: hyperparameters, each metric's best and last value, the best checkpoint.",
        discussion: """
        Where the log directory holds TensorBoard HParams data (tensorboardX and PyTorch's \
        add_hparams, TensorFlow's hparams API, Keras's hp.KerasCallback), there is one row per \
        session, as in TensorBoard's HParams dashboard: a session is a run holding a session start; \
        every run belongs to the deepest session at or above it, and a metric group/tag of a \
        session is the scalar tag in the run SESSION/group. Without HParams data there is one row \
        per run (a directory holding event files), and --per-run asks for that anyway.

        Metrics: by default the experiment's (written by the hparams API, or inferred from the \
        sessions' scalar tags as TensorBoard does); else --metric TAG, repeatable, a tag or \
        group/tag relative to the row (validation/epoch_accuracy finds epoch_accuracy in \
        SESSION/validation). Which way is better: a max: or min: prefix, --higher-is-better TAG, or \
        else larger for accuracy-like names (acc, auc, f1, precision, recall, score, ...) and smaller \
        for everything else. For each metric: the best value and its step (ties keep the earlier \
        point, NaN is never best), and the last value and step (what the HParams dashboard shows). \
        Rows are sorted by the first metric's best value, rows without it last.

        The checkpoint column names the checkpoint of the first metric's best step when the row's \
        directory is a model directory `tfevents best` recognises (Estimator, Hugging Face, \
        Lightning, Orbax), relative to the log directory.

        Hyperparameters become columns under their own names (numbers as float64, as the HParams \
        plugin stores them; PyTorch's writer stores bools as 0 and 1); metric columns are \
        METRIC.best, METRIC.best_step, METRIC.last, METRIC.last_step. Read through the log \
        directory's index (updated first; only the runs selected with --run/--run-regex are read).

        Exit status: 0; 1 when records are corrupt or HParams data is malformed (named on stderr \
        with the file and offset; every other row is still printed); 2 for usage errors or an \
        unreadable directory.

        Examples:
          tfevents runs sweep/
          tfevents runs sweep/ --metric max:hparam/accuracy --metric hparam/loss
          tfevents runs hparam_tuning/ --format csv > trials.csv
          tfevents runs logs/ --per-run --metric eval/loss
          tfevents runs logs/ --run 'lr0.1*' --format arrow > runs.arrows
        """
    )

    @Argument(help: "The log directory.")
    var logdir: String

    @Option(name: .customLong("metric"), help: ArgumentHelp(
        "A metric to summarise: TAG or GROUP/TAG relative to each row, with an optional max: or min: prefix. Repeatable; the first sorts the rows.",
        valueName: "tag"))
    var metrics: [String] = []

    @Option(name: .customLong("higher-is-better"), help: ArgumentHelp(
        "A metric (as given to --metric, or of the experiment) whose larger values are better. Repeatable.", valueName: "tag"))
    var higherIsBetter: [String] = []

    @Flag(name: .customLong("per-run"), help: "One row per run (directory of event files), even where there are HParams sessions.")
    var perRun = false

    @Flag(name: .customLong("no-checkpoints"), help: "Do not look for checkpoints in the rows' directories.")
    var noCheckpoints = false

    @Option(help: "Output format: \(OutputFormat.list(Self.formats)).")
    var format: OutputFormat = .text

    @OptionGroup var runs: RunSelectionOptions

    @OptionGroup var location: IndexLocationOptions

    @OptionGroup var reading: ReadingOptions

    static let formats: [OutputFormat] = [.text, .json, .jsonl, .csv, .arrow]

    func validate() throws {
        try format.require(Self.formats)
        for metric in metrics where Self.parse(metric, higherIsBetter: []).metric.isEmpty {
            throw ValidationError("--metric '\(metric)': the tag is empty")
        }
    }

    /// `max:acc` → maximise `acc`; `min:loss` → minimise; a bare tag by
    /// `--higher-is-better` or its name.
    static func parse(_ text: String, higherIsBetter: [String]) -> MetricGoal {
        if text.hasPrefix("max:") { return .maximize(String(text.dropFirst(4))) }
        if text.hasPrefix("min:") { return .minimize(String(text.dropFirst(4))) }
        return MetricGoal(metric: text, direction: direction(of: text, higherIsBetter: higherIsBetter))
    }

    static func direction(of tag: String, higherIsBetter: [String]) -> MetricGoal.Direction {
        if higherIsBetter.contains(tag) { return .maximize }
        return MetricDirection.higherIsBetter(tag: tag, goal: nil) ? .maximize : .minimize
    }

    func run() throws {
        let (index, _) = try location.updatedIndex(logdir: logdir, reading: reading, runs: runs.selection)
        let goals = metrics.isEmpty ? nil : metrics.map { Self.parse($0, higherIsBetter: higherIsBetter) }
        let table: RunTable
        do {
            table = try index.runTable(goals: goals, perRun: perRun) { Self.direction(of: $0, higherIsBetter: higherIsBetter) }
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        for problem in table.problems { StandardError.report(problem.description) }
        if !table.runsOutsideSessions.isEmpty {
            StandardError.report("\(table.runsOutsideSessions.count) run(s) outside the HParams sessions not shown "
                                 + "(--per-run lists every run): " + table.runsOutsideSessions.prefix(5).joined(separator: ", ")
                                 + (table.runsOutsideSessions.count > 5 ? ", ..." : ""))
        }
        if table.goals.isEmpty && !table.rows.isEmpty {
            StandardError.report("no metric: pass --metric TAG (see `tfevents tags \(logdir)`)")
        }
        for goal in table.goals where !table.rows.contains(where: { row in row.metrics.contains { $0.name == goal.metric && $0.source != nil } }) {
            StandardError.report("metric '\(goal.metric)' was found in no row")
        }
        let checkpoints = noCheckpoints ? [:] : bestCheckpoints(table, logdir: index.logdir)
        let records = RunRows(table: table, checkpoints: checkpoints).records
        if format == .text {
            printText(records)
        } else {
            var output = RecordOutput(format: format)
            for record in records { output.write(record) }
            output.finish()
        }
        StandardOutput.shared.flush()
        if !table.problems.isEmpty { throw ExitCode(ExitStatus.corruption) }
        if index.files.contains(where: { $0.corruptRecords > 0 || $0.skippedBytes > 0 }) {
            throw ExitCode(ExitStatus.corruption)
        }
    }

    /// The checkpoint of each row's best step of the first metric, where
    /// the row's directory is a model directory with checkpoints.
    private func bestCheckpoints(_ table: RunTable, logdir: String) -> [String: String] {
        var found: [String: String] = [:]
        for row in table.rows {
            guard let best = row.metrics.first?.best else { continue }
            let directory = row.name == "." ? logdir : FilePaths.join(logdir, row.name)
            let detection = CheckpointLayout.detect(modelDirectory: directory)
            guard let layout = detection.layout, !detection.evidence.isEmpty else { continue }
            do {
                let checkpoint = try layout.finder(modelDirectory: directory).checkpoint(forStep: best.step)
                let path = checkpoint.prefix.hasPrefix(logdir + "/") ? String(checkpoint.prefix.dropFirst(logdir.count + 1)) : checkpoint.prefix
                found[row.name] = path
            } catch {
                StandardError.report("\(row.name): no checkpoint for the best step \(best.step): \(error)")
            }
        }
        return found
    }

    /// Aligned columns; long cells are kept whole.
    private func printText(_ records: [OutputRecord]) {
        let out = StandardOutput.shared
        guard let first = records.first else {
            out.write("no runs\n")
            return
        }
        let names = first.fields.map(\.name).filter { $0 != "first_wall_time" && $0 != "last_wall_time" && $0 != "session" }
        var rows: [[String]] = [names]
        for record in records {
            let values = Dictionary(record.fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            rows.append(names.map { name in
                switch values[name] ?? .null {
                case .null: return "-"
                case .string(let text): return OutputText.terminal(text)
                case .number(let value): return OutputText.plain(value)
                case let other: return other.csv
                }
            })
        }
        let widths = names.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                if column > 0 { line += "  " }
                line += column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            out.write(line + "\n")
        }
    }
}
