import ArgumentParser
import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `tfevents report`: the metrics of a model directory or log directory as
/// one self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draw the metrics of a model directory or log directory as one self-contained HTML page.",
        discussion: """
        The page has no external resources (inline SVG and CSS, a small inline script for hover \
        read-outs): open it anywhere, attach it to a pull request, mail it.

        A model directory (a checkpoint file, *.ckpt-*.index files, export/, or eval/ beside event \
        files) gets one chart per scalar tag of each eval directory and of training, step on the x \
        axis; the best evaluation (as `tfevents best` finds it, with --metric/--higher-is-better/\
        --eval-name) is marked with a vertical line and its value, every export under export/*/ whose \
        step is known (from its export manifest) with a dashed line, checkpoints on disk with ticks; \
        tables list the best evaluation's metrics, the exports and the checkpoints. Any other directory \
        is a log directory of runs: runs are overlaid per tag, each run in a colour of its own name \
        (the same in every report), with a table of each run's best value per tag.

        NaN and infinite values break the line and are marked. Long series are drawn from their \
        minimum and maximum per pixel column (first and last point kept), so the page stays small and \
        every spike shows. Data is read through the directory's index (the one `tfevents index` keeps), \
        so a second report reads only what was appended.

        Examples:
          tfevents report model_dir
          tfevents report model_dir --metric accuracy --higher-is-better \\
              --out accuracy.html
          tfevents report logs/ --tag 'loss*' --tag 'val/*' --smoothing 0.6
          tfevents report logs/ --log-scale --out - > report.html
        """
    )

    @Argument(help: "A model directory or a log directory.")
    var path: String

    @Option(help: ArgumentHelp("The HTML file to write ('-' for standard output).", valueName: "file"))
    var out = "report.html"

    @Option(name: .customLong("tag"), help: ArgumentHelp("Only tags matching this glob (*, ?, [...]); repeatable.",
                                                         valueName: "glob"))
    var tagPatterns: [String] = []

    @Option(help: ArgumentHelp("The metric the best evaluation is chosen by (default: loss, smaller is better).",
                               valueName: "name"))
    var metric: String?

    @Flag(name: .customLong("higher-is-better"), help: "A larger value of --metric is better (accuracy, AUC, BLEU).")
    var higherIsBetter = false

    @Option(name: .customLong("eval-name"),
            help: ArgumentHelp("Choose the best evaluation among eval_NAME/ (EvalSpec(name=...)) instead of eval/.",
                               valueName: "name"))
    var evalName: String?

    @Option(help: ArgumentHelp("TensorBoard smoothing weight, 0 to 0.99 (0: raw values only).", valueName: "weight"))
    var smoothing = 0.0

    @Flag(name: .customLong("log-scale"), help: "Logarithmic value axes (values ≤ 0 are marked, not drawn).")
    var logScale = false

    @Option(help: ArgumentHelp("The page title (default: the directory's name).", valueName: "text"))
    var title: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Report as: model or logdir (default: detected).",
                                                        valueName: "kind"))
    var subject: ReportSubject?

    @OptionGroup var location: IndexLocationOptions

    @OptionGroup var runs: RunSelectionOptions

    @OptionGroup var reading: ReadingOptions

    func validate() throws {
        guard smoothing >= 0, smoothing <= 0.99 else { throw ValidationError("--smoothing must be between 0 and 0.99.") }
        if let metric, metric.isEmpty { throw ValidationError("--metric must not be empty.") }
        if higherIsBetter && metric == nil {
            throw ValidationError("--higher-is-better needs --metric (the default metric, loss, is smaller-is-better).")
        }
        if let evalName, evalName.isEmpty { throw ValidationError("--eval-name must not be empty.") }
        if out.isEmpty { throw ValidationError("--out must not be empty.") }
    }

    func run() throws {
        var options = ReportOptions()
        options.tagPatterns = tagPatterns
        options.goal = metric.map { higherIsBetter ? .maximize($0) : .minimize($0) }
        options.evalName = evalName
        options.smoothing = smoothing
        options.logScale = logScale
        options.title = title
        options.subject = subject
        options.index = location.indexOptions(reading: reading)
        options.index.runs = runs.selection
        options.indexPath = location.indexPath
        options.generatedAt = "generated " + Self.nowUTC()

        let progress = IndexProgress(mode: .auto)
        let document: ReportDocument
        do {
            document = try ReportBuilder.build(directory: path, options: options) { done, total, files, totalFiles in
                progress.update(done: done, total: total, files: files, totalFiles: totalFiles)
            }
        } catch {
            progress.finish()
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        progress.finish()
        if let reason = document.indexUpdate.rebuildReason, !reason.wasRequested {
            StandardError.report("index: \(reason)")
        }
        for warning in document.warnings { StandardError.report(warning) }

        if out == "-" {
            StandardOutput.shared.write(document.html)
            StandardOutput.shared.flush()
        } else {
            do { try Self.write(document.html, to: out) } catch {
                StandardError.report(error.description)
                throw ExitCode(ExitStatus.usage)
            }
            var summary = "wrote \(out) (\(Format.bytes(document.html.utf8.count))): \(document.chartCount) chart"
                + (document.chartCount == 1 ? "" : "s")
            summary += document.subject == .modelDirectory ? " of a model directory" : " of \(document.runs.count) run(s)"
            if let best = document.facts?.best {
                let metric = options.effectiveGoal.metric
                summary += "; best evaluation: step \(best.globalStep), \(metric) = \(best.metrics[metric].map(OutputText.plain) ?? "?")"
            }
            StandardError.write(summary + "\n")
        }
        if document.warnings.contains(where: { $0.contains("corrupt") }) { throw ExitCode(ExitStatus.corruption) }
    }

    /// Writes `html` to a temporary file beside `path` and renames it into
    /// place, so a reader never sees half a page.
    static func write(_ html: String, to path: String) throws(OutputTarget.Failure) {
        let target = try OutputTarget(path: path, force: true)
        guard let temporary = target.temporaryPath else { return }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            target.discard()
            throw OutputTarget.Failure(description: "\(path): cannot create \(temporary): \(reason)")
        }
        var text = html
        let written = text.withUTF8 { bytes -> Bool in
            guard let base = bytes.baseAddress else { return true }
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, base + offset, bytes.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        let reason = String(cString: strerror(errno))
        close(fd)
        guard written else {
            target.discard()
            throw OutputTarget.Failure(description: "\(path): write failed: \(reason)")
        }
        try target.commit()
    }

    /// `2026-01-02 03:04:05 UTC`.
    static func nowUTC() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }
}

extension ReportSubject: ExpressibleByArgument {}
