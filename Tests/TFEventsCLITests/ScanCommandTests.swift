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
        #expect(Set(file.keys) == ["path", "records", "bytes", "events", "scalars", "tags", "first_step", "last_step", "malformed_values",
                                   "truncated_bytes", "corrupt_records", "errors", "compression"])
        #expect(file["records"] as? Int == 23)
        #expect(file["events"] as? Int == 23)
        #expect(file["bytes"] as? Int == 12189)
        #expect(file["scalars"] as? Int == 30)
        #expect(file["last_step"] as? Int == 15)
        #expect(file["compression"] as? String == "none")
        #expect((file["errors"] as? [Any])?.isEmpty == true)
    }

    @Test("generate --kind stream: files of one-value events under train/, TF2 and TF1 in turn, counted by scan")
    func generatedStream() throws {
        let scratch = ScratchDirectory()
        let generated = try CLIRunner.run(["generate", scratch.path + "/logs", "--kind", "stream", "--size", "512K", "--files", "2"],
                                          timeout: 60)
        #expect(generated.status == 0, "\(generated.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
        let scan = try CLIRunner.run(["scan", "--format", "json", scratch.path + "/logs"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let files = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [[String: Any]])
        #expect(files.count == 2 && files.allSatisfy { ($0["path"] as? String)?.contains("/logs/train/events.out.tfevents.") == true })
        // One scalar per event after the file_version event, six tags.
        #expect(files.allSatisfy { ($0["scalars"] as? Int).map { $0 > 3_000 } == true && $0["scalars"] as? Int == ($0["events"] as? Int ?? 0) - 1 })
        #expect(files.allSatisfy { $0["tags"] as? Int == 6 })
        #expect(files.reduce(0) { $0 + ($1["scalars"] as? Int ?? 0) } == summary["scalar_points"] as? Int)
        let csv = try CLIRunner.run(["scalars", scratch.path + "/logs", "--no-index", "--format", "csv", "--tag", "loss"])
        let lines = csv.stdout.split(separator: "\n").dropFirst()
        #expect(lines.count > 1_000 && lines.allSatisfy { $0.contains(",loss,") })
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

    @Test("--max-record-size beyond 2^48 is a usage error; at 2^48 a hostile length is reported, not read",
          arguments: ["-", "file", "gzip"])
    func hugeRecordLimit(source: String) throws {
        let tooLarge = try CLIRunner.run(["scan", "--max-record-size", String(Int.max), CLIRunner.fixture("tf1/graph_mode")])
        #expect(tooLarge.status == 2)
        #expect(tooLarge.stderr.contains("--max-record-size must be from 1 to"))

        // A header claiming 2^63 - 9 bytes with a valid length CRC, then filler.
        var bytes: [UInt8] = []
        let length = UInt64(Int.max) - 8
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        let crc = MaskedCRC.compute(bytes).rawValue
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        bytes += [UInt8](repeating: 0xAB, count: 36)
        let directory = try TestFiles.scratchDirectory()
        var path = directory + "/events.out.tfevents.hostile"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if source == "gzip" {
            // The same bytes as a whole-file gzip (the system's gzip).
            let gzip = ChildProcess.run(arguments: ["/bin/sh", "-c", "gzip -f \"$1\"", "sh", path], environment: [:],
                                        timeout: 30, onOutput: nil)
            #expect(gzip.termination == .exited(0))
            path += ".gz"
        }
        let arguments = ["scan", "--format", "json", "--max-record-size", String(RecordReaderOptions.largestMaxRecordLength)]
        let result = source == "-" ? try CLIRunner.run(arguments + ["-"], stdin: Data(bytes))
                                   : try CLIRunner.run(arguments + [path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("offset 0"))
        #expect(result.stdout.contains("too_large"))
    }
}
