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

@Suite("tfevents scan")
struct ScanCommandTests {
    @Test("JSON output has exactly the documented keys and real counts")
    func jsonKeys() throws {
        let result = try CLIRunner.run(["scan", "--format", "json", CLIRunner.fixture("tf1/graph_mode")])
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let file = try #require(array.first)
        #expect(Set(file.keys) == ["path", "records", "bytes", "events", "scalars", "tags", "first_step", "last_step",
                                   "truncated_bytes", "corrupt_records", "errors", "compression"])
        #expect(file["records"] as? Int == 23)
        #expect(file["events"] as? Int == 23)
        #expect(file["bytes"] as? Int == 12189)
        #expect(file["scalars"] as? Int == 30)
        #expect(file["last_step"] as? Int == 15)
        #expect(file["compression"] as? String == "none")
        #expect((file["errors"] as? [Any])?.isEmpty == true)
    }

    @Test("corruption exits 1 and names file and offset on stderr")
    func corruptExitStatus() throws {
        let path = CLIRunner.fixture("corrupt/events.out.tfevents.payload_bitflip")
        let result = try CLIRunner.run(["scan", "--format", "json", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("offset 6227"))
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let errors = try #require(array.first?["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["offset"] as? Int == 6227)
        #expect(errors.first?["kind"] as? String == "corrupt_payload")
    }

    @Test("a truncated tail is clean: exit 0")
    func truncatedIsClean() throws {
        let result = try CLIRunner.run(["scan", CLIRunner.fixture("corrupt/events.out.tfevents.truncated_payload")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("total (1 files)"))
    }

    @Test("an unreadable path exits 2 but the other files are still read")
    func unreadablePath() throws {
        let result = try CLIRunner.run(["scan", "--format", "json", "/nonexistent/path",
                                        CLIRunner.fixture("tf1/edge")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/path"))
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        #expect(array.first?["events"] as? Int == 9)
    }

    @Test("usage errors exit 2")
    func usageError() throws {
        let result = try CLIRunner.run(["scan", "--format", "yaml", CLIRunner.fixture("tf1/edge")])
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }

    @Test("standard input is read through a pipe")
    func standardInput() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: CLIRunner.fixture("tf1/graph_mode/events.out.tfevents.1795433718.vm")))
        let result = try CLIRunner.run(["scan", "--format", "json", "-"], stdin: data)
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.first?["records"] as? Int == 23)
        #expect(array.first?["scalars"] as? Int == 30)
    }
}
