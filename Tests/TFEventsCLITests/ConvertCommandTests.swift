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

@Suite("tfevents convert")
struct ConvertCommandTests {
    static let base = "compressed/events.out.tfevents.1795433718.vm"

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func scanJSON(_ path: String) throws -> [String: Any] {
        let result = try CLIRunner.run(["scan", "--format", "json", path])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return try #require(array.first)
    }

    static func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test("plain to GZIP and ZLIB gives TensorFlow's own compressed files, byte for byte",
          arguments: [("gzip", ".gzip-tfrecord"), ("zlib", ".zlib-tfrecord")])
    func tensorFlowBytes(compression: String, suffix: String) throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out").path
        let result = try CLIRunner.run(["convert", "--compression", compression, CLIRunner.fixture(Self.base), output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output))
            == Data(contentsOf: URL(fileURLWithPath: CLIRunner.fixture(Self.base + suffix))))
        #expect(result.stderr.contains("23 records"))
    }

    @Test("the output format follows the name unless given; every format converts to every other")
    func allFormats() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        var source = CLIRunner.fixture(Self.base + ".zlib-tfrecord")
        for (name, format) in [("a.zst", "zstd"), ("b.gz", "gzip"), ("c.zlib", "zlib"), ("d.tfevents", "none"), ("e.zz", "zlib")] {
            let output = directory.appendingPathComponent(name).path
            let result = try CLIRunner.run(["convert", "--quiet", source, output])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.isEmpty)
            let summary = try Self.scanJSON(output)
            #expect(summary["compression"] as? String == format)
            #expect(summary["records"] as? Int == 23)
            #expect(summary["bytes"] as? Int == 12189)
            source = output
        }
        let leveled = directory.appendingPathComponent("f").path
        let result = try CLIRunner.run(["convert", "--compression", "zstd", "--level", "19", source, leveled])
        #expect(result.status == 0)
        #expect(result.stderr.contains("level 19"))
        #expect(try Self.scanJSON(leveled)["compression"] as? String == "zstd")
    }

    @Test("an existing output needs --force; then the input can be converted in place")
    func force() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.out.tfevents.1.host").path
        try FileManager.default.copyItem(atPath: CLIRunner.fixture(Self.base + ".gz"), toPath: path)
        let refused = try CLIRunner.run(["convert", "--compression", "zstd", path, path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--force"))
        #expect(try Self.scanJSON(path)["compression"] as? String == "gzip")
        let replaced = try CLIRunner.run(["convert", "--force", "--compression", "zstd", path, path])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try Self.scanJSON(path)["compression"] as? String == "zstd")
        #expect(try Self.listing(directory) == ["events.out.tfevents.1.host"])
    }

    @Test("corrupt input: nothing written (exit 1); --skip-corrupt writes the records that verify (exit 1)")
    func corruption() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = CLIRunner.fixture("corrupt/events.out.tfevents.payload_bitflip")
        let output = directory.appendingPathComponent("out.gz").path
        let refused = try CLIRunner.run(["convert", input, output])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("offset 6227"))
        #expect(try Self.listing(directory).isEmpty)

        let skipped = try CLIRunner.run(["convert", "--skip-corrupt", input, output])
        #expect(skipped.status == 1)
        #expect(skipped.stderr.contains("1 corrupt records left out"))
        let summary = try Self.scanJSON(output)
        #expect(summary["records"] as? Int == 22)
        #expect(summary["corrupt_records"] as? Int == 0)
    }

    @Test("a truncated input converts up to its last complete record (exit 0)")
    func truncatedInput() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out").path
        let result = try CLIRunner.run(["convert", CLIRunner.fixture("corrupt/events.out.tfevents.gzip_truncated"), output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("after offset 4283"))
        let summary = try Self.scanJSON(output)
        #expect(summary["records"] as? Int == 7)
        #expect(summary["truncated_bytes"] as? Int == 0)
    }

    @Test("usage errors and unreadable inputs exit 2 and leave nothing behind")
    func usage() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out").path
        let input = CLIRunner.fixture(Self.base)
        for arguments in [["--level", "3", input, output],            // level for uncompressed output
                          ["--compression", "gzip", "--level", "10", input, output],
                          ["--compression", "brotli", input, output],
                          ["/nonexistent/input", output],
                          [input, directory.path]] {                  // a directory as output
            let result = try CLIRunner.run(["convert"] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(try Self.listing(directory).isEmpty, "\(arguments)")
        }
    }

    @Test("standard input to standard output")
    func pipes() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("piped.gz")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["convert", "--quiet", "--compression", "gzip", "-", "-"]
        process.currentDirectoryURL = CLIRunner.packageRoot  // not the shared, movable working directory
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: CLIRunner.fixture(Self.base + ".zst")))
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let bytes = try Data(contentsOf: output)
        #expect(bytes.prefix(2) == Data([0x1F, 0x8B]))
        let summary = try Self.scanJSON(output.path)
        #expect(summary["compression"] as? String == "gzip")
        #expect(summary["records"] as? Int == 23)
    }
}
