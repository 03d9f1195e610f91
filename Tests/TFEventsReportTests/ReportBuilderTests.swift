import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("Report: pages from real directories")
struct ReportBuilderTests {
    /// Options with the index kept in `scratch`, not in the user's cache.
    static func options(_ scratch: ScratchDirectory) -> ReportOptions {
        var options = ReportOptions()
        options.indexPath = scratch.path + "/report.tfindex"
        options.generatedAt = "generated in a test"
        return options
    }

    @Test("an Estimator model directory: best evaluation, exports, checkpoints, one chart per tag and run")
    func modelDirectory() throws {
        let scratch = ScratchDirectory()
        let directory = FixtureLibrary.path("estimator/loss_best")
        #expect(ReportSubject.detect(directory: directory) == .modelDirectory)
        let report = try ReportBuilder.build(directory: directory, options: Self.options(scratch))
        #expect(report.subject == .modelDirectory)
        #expect(report.runs == ["eval", "."])
        let facts = try #require(report.facts)
        // As `tfevents best` finds it (expected.json: step 225, event 19).
        let best = try #require(facts.best)
        #expect(best.globalStep == 225)
        #expect(best.metrics["loss"] == Double(Float(0.253292977809906)))
        #expect(facts.evaluations == 10)
        #expect(facts.exports.map(\.version) == ["1795438159", "1795438160", "1795438164"])
        // Written by TensorFlow: no manifest; the step comes from the SavedModel's global_step.
        #expect(facts.exports.map(\.globalStep) == [100, 125, 225])
        #expect(facts.exports.allSatisfy { $0.stepSource == .savedModel })
        #expect(facts.bestExports.map(\.version) == ["1795438164"])
        #expect(facts.checkpoints.map(\.globalStep) == [200, 225, 250])
        #expect(facts.bestCheckpoint?.globalStep == 225)
        #expect(facts.latestCheckpoint?.hasSuffix("model.ckpt-250") == true)
        // 10 eval tags, 3 training tags.
        #expect(report.chartCount == 13)
        let html = report.html
        #expect(html.contains("step 225 · <span class=\"metric\">loss 0.253293</span>"))
        #expect(html.contains("<title>best evaluation: step 225, loss = 0.253293</title>"))
        #expect(html.contains("checkpoint model.ckpt-225 (step 225)"))
        // Marked, with the loss of the evaluation at that step.
        #expect(html.contains("<title>export best_exporter/1795438160: step 125 (from the SavedModel&#39;s global_step), loss = 0.261503</title>"))
        #expect(html.contains("125 †"))
        #expect(html.contains("<h2>Training<span"))
        Self.expectSelfContained(html)
    }

    @Test("--metric accuracy --higher-is-better: the first of the tied best accuracies wins, as BestExporter")
    func higherIsBetter() throws {
        let scratch = ScratchDirectory()
        var options = Self.options(scratch)
        options.goal = .maximize("accuracy")
        let report = try ReportBuilder.build(directory: FixtureLibrary.path("estimator/loss_best"), options: options)
        #expect(report.facts?.best?.globalStep == 75)
        #expect(report.html.contains("accuracy larger"))
    }

    @Test("an export with a manifest is marked at its step and listed with its metric")
    func exportWithManifest() throws {
        let scratch = ScratchDirectory()
        try scratch.copyFixtures("estimator/loss_best")
        let model = scratch.path + "/loss_best"
        let export = model + "/export/best_exporter/1795438170"
        try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
        let manifest = ExportManifest(exporterName: "best_exporter",
                                      evalResult: EvalResult(globalStep: 225, metrics: ["loss": 0.253292977809906]),
                                      checkpointPath: model + "/model.ckpt-225", modelWriter: "checkpoint_snapshot",
                                      comparison: "loss smaller")
        try Data(manifest.binary()).write(to: URL(fileURLWithPath: export + "/" + ExportManifest.binaryFileName))

        let report = try ReportBuilder.build(directory: model, options: Self.options(scratch))
        let facts = try #require(report.facts)
        #expect(facts.exports.count == 4)
        #expect(facts.bestExports.map(\.version) == ["1795438164", "1795438170"])
        #expect(facts.exports.last?.stepSource == .manifest)
        #expect(report.html.contains("<title>export best_exporter/1795438170: step 225, loss = 0.253293</title>"))
        #expect(report.html.contains("exported as <span class=\"tag\">best_exporter/1795438164, best_exporter/1795438170</span>"))
    }

    @Test("--eval-name: the best evaluation of eval_<name>/; without it, eval/ has none and the page says so")
    func namedEvaluation() throws {
        let scratch = ScratchDirectory()
        try scratch.copyFixtures("estimator/loss_best")
        let model = scratch.path + "/loss_best"
        try FileManager.default.moveItem(atPath: model + "/eval", toPath: model + "/eval_holdout")
        var options = Self.options(scratch)
        options.evalName = "holdout"
        let named = try ReportBuilder.build(directory: model, options: options)
        #expect(named.facts?.best?.globalStep == 225)
        #expect(named.runs == ["eval_holdout", "."])
        #expect(named.html.contains("<h2>Evaluation “holdout”<span class=\"sub\">eval_holdout/ · the best evaluation is chosen here"))

        options.evalName = nil
        options.indexPath = scratch.path + "/other.tfindex"
        let unnamed = try ReportBuilder.build(directory: model, options: options)
        #expect(unnamed.facts?.best == nil)
        #expect(unnamed.html.contains("No evaluation with a usable “loss” in eval/"))
        #expect(unnamed.chartCount == 13)  // the curves are drawn all the same
    }

    @Test("a log directory: runs overlaid per tag in their own colours, a best value per run and tag")
    func logDirectory() throws {
        let scratch = ScratchDirectory()
        let directory = FixtureLibrary.path("estimator")
        #expect(ReportSubject.detect(directory: directory) == .logDirectory)
        let report = try ReportBuilder.build(directory: directory, options: Self.options(scratch))
        #expect(report.subject == .logDirectory)
        #expect(report.runs == ["accuracy_best", "accuracy_best/eval", "loss_best", "loss_best/eval"])
        #expect(report.chartCount == 12)
        let colors = RunColors.assign(report.runs)
        for run in report.runs { #expect(report.html.contains("--series:\(colors[run] ?? "?")")) }
        #expect(report.html.contains("<span class=\"tag\">loss</span> ↓"))
        #expect(report.html.contains("<span class=\"tag\">accuracy</span> ↑"))
        Self.expectSelfContained(report.html)
    }

    @Test("NaN and -Inf of a real TF2 log are marked, and tag filters apply")
    func nonFiniteAndFilter() throws {
        let scratch = ScratchDirectory()
        var options = Self.options(scratch)
        options.tagPatterns = ["los*"]
        let report = try ReportBuilder.build(directory: FixtureLibrary.path("tf2/basic"), options: options)
        #expect(report.chartCount >= 1)
        #expect(!report.html.contains("<h3>accuracy</h3>"))
        let direct = directScan(FixtureLibrary.path("tf2/basic")).values.flatMap { $0 }
        let nonFinite = direct.filter { line in
            guard let bits = line.split(separator: " ").last.flatMap({ UInt64($0) }) else { return false }
            return !Double(bitPattern: bits).isFinite && line.hasPrefix("los")
        }
        if !nonFinite.isEmpty {
            #expect(report.html.contains("class=\"gap "))
            #expect(report.html.contains("NaN") || report.html.contains("Inf"))
        }
    }

    @Test("tags and run names are user data: escaped everywhere on the page")
    func hostileNames() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/logs"
        let run = logdir + "/run<b>&\"'"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        let writer = try EventFileWriter(path: run + "/events.out.tfevents.1700000000.host", creationTime: 1_700_000_000)
        for step in 0 ..< 20 {
            try writer.writeScalars(step: Int64(step), wallTime: 1_700_000_000 + Double(step),
                                    [("</script><script>alert(1)</script>", Float(step)), ("a<b", step == 7 ? .nan : 1)])
        }
        try writer.close()
        let report = try ReportBuilder.build(directory: logdir, options: Self.options(scratch))
        #expect(report.chartCount == 2)
        let html = report.html
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("run<b>"))
        #expect(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("\"n\":\"run\\u003cb\\u003e\\u0026\\\"'\""))  // the run in the hover JSON
        // Exactly the page's own two scripts.
        #expect(html.components(separatedBy: "<script").count - 1 == 2)
        #expect(html.components(separatedBy: "</script>").count - 1 == 2)
    }

    @Test("decimation through the index equals decimating each full series")
    func indexedDecimationIsExact() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/model"
        try FileManager.default.createDirectory(atPath: logdir + "/eval", withIntermediateDirectories: true)
        for file in 0 ..< 2 {
            _ = try EvalLogGenerator.writeFile(path: logdir + "/eval/events.out.tfevents.170000000\(file).gen",
                                               seed: UInt64(3 + file), limit: .events(20_000))
        }
        var options = IndexOptions()
        options.chunkPointLimit = 5_000  // many chunks
        let index = try LogdirIndex(logdir: logdir, indexPath: scratch.path + "/i.tfindex", options: options)
        try index.update()
        let columns = 150
        let runs = try index.decimatedScalars(runs: ["eval"], maxColumns: columns, jobs: 2)
        let run = try #require(runs.first)
        #expect(run.tags.count >= 10)
        #expect(run.tags["loss"].map { $0.count > 4 } == true)
        for (tag, parts) in run.tags {
            let merged = try #require(ReportBuilder.merge(parts, columns: columns))
            let full = try index.scalars(run: "eval", tag: tag)
            let direct = try #require(DecimatedSeries.decimate(steps: full.steps, values: full.values, grid: merged.grid))
            #expect(merged.pathPoints == direct.pathPoints, "\(tag)")
            #expect(merged.pointCount == full.count)
            #expect(merged.minimum == direct.minimum && merged.maximum == direct.maximum)
            #expect(merged.lastFinite == direct.lastFinite)
        }
    }

    @Test("long series and many runs: the page stays within its point budget")
    func pageBudget() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/sweep"
        for run in 0 ..< 12 {
            let directory = logdir + "/run_\(run)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = try EvalLogGenerator.writeFile(path: directory + "/events.out.tfevents.1700000000.gen",
                                               seed: UInt64(run), limit: .events(run == 0 ? 30_000 : 2_000))
        }
        var options = Self.options(scratch)
        options.pointBudget = 30_000
        let report = try ReportBuilder.build(directory: logdir, options: options)
        #expect(report.runs.count == 12)
        #expect(report.pointCount > 150_000)
        let series = report.html.components(separatedBy: "<g class=\"series\"").count - 1
        let columns = ReportBuilder.chartColumns(series: series, options: options)
        #expect(columns < ChartLayout.standard.columns)
        // Points drawn: the coordinate pairs of every line.
        let drawn = report.html.components(separatedBy: "class=\"raw\" d=\"").dropFirst().reduce(0) { total, path in
            let data = path.prefix { $0 != "\"" }
            return total + data.split(whereSeparator: { $0 == " " || $0 == "L" || $0 == "M" }).count / 2
        }
        #expect(drawn <= 4 * columns * series)
        #expect(drawn <= max(options.pointBudget, 400 * series))
    }

    @Test("a path that is not a directory is an error that names it")
    func notADirectory() {
        let scratch = ScratchDirectory()
        #expect(throws: ReportError.self) { try ReportBuilder.build(directory: scratch.path + "/missing", options: Self.options(scratch)) }
        do {
            _ = try ReportBuilder.build(directory: FixtureLibrary.path("estimator/expected.json"), options: Self.options(scratch))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("not a directory"))
        }
    }

    /// No resource is fetched: no src/href to anywhere, no @import, no url().
    static func expectSelfContained(_ html: String) {
        #expect(!html.contains(" src="))
        #expect(!html.contains("href="))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
        #expect(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http") == false)
    }
}
