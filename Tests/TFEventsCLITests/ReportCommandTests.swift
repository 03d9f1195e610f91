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

@Suite("tfevents report")
struct ReportCommandTests {
    /// A scratch directory for the page and the index.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a model directory: one HTML file, a summary on stderr, exit 0")
    func modelDirectory() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("report.html").path
        let result = try CLIRunner.run(["report", CLIRunner.fixture("estimator/loss_best"), "--out", out,
                                        "--index", dir.appendingPathComponent("i.tfindex").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("wrote \(out)"))
        #expect(result.stderr.contains("13 charts of a model directory; best evaluation: step 225, loss = 0.253292977809906"))
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("</html>"))
        // No temporary file left beside it.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names.allSatisfy { !$0.contains(".tmp") })
    }

    @Test("--out - writes the page to standard output; options reach the page")
    func standardOutput() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try CLIRunner.run(["report", CLIRunner.fixture("estimator"), "--out", "-", "--tag", "loss",
                                        "--smoothing", "0.6", "--log-scale", "--title", "Sweep <A>",
                                        "--index", dir.appendingPathComponent("i.tfindex").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(result.stdout.contains("<title>Sweep &lt;A&gt; — tfevents report</title>"))
        #expect(result.stdout.contains("<h3>loss</h3>"))
        #expect(!result.stdout.contains("<h3>accuracy</h3>"))
        #expect(result.stdout.contains("class=\"smoothed\""))
    }

    @Test("corrupt records: the page is written, each damaged file named on stderr, exit 1")
    func corruptInput() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r.html").path
        let result = try CLIRunner.run(["report", CLIRunner.fixture("corrupt"), "--out", out,
                                        "--index", dir.appendingPathComponent("i.tfindex").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("events.out.tfevents.payload_bitflip: 1 corrupt record(s) skipped"))
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("payload_bitflip: 1 corrupt record(s) skipped"))
    }

    @Test("usage errors and missing directories exit 2")
    func errors() throws {
        let bad = try CLIRunner.run(["report", CLIRunner.fixture("estimator"), "--smoothing", "1.5"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--smoothing"))
        let noMetric = try CLIRunner.run(["report", CLIRunner.fixture("estimator"), "--higher-is-better"])
        #expect(noMetric.status == 2)
        let missing = try CLIRunner.run(["report", "/nonexistent/model_dir", "--out", "-"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/model_dir"))
    }
}
