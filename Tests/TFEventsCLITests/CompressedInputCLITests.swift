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

/// `scan` and `scalars` read compressed files transparently, by content.
@Suite("Compressed input on the command line")
struct CompressedInputCLITests {
    static let base = "compressed/events.out.tfevents.1795433718.vm"

    @Test("scan --format json names each file's compression")
    func scanShowsCompression() throws {
        let suffixes = ["", ".gz", ".gzip-tfrecord", ".multimember.gz", ".zlib-tfrecord", ".zst"]
        let result = try CLIRunner.run(["scan", "--format", "json"] + suffixes.map { CLIRunner.fixture(Self.base + $0) })
        #expect(result.status == 0, "\(result.stderr)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["compression"] as? String } == ["none", "gzip", "gzip", "gzip", "zlib", "zstd"])
        #expect(array.allSatisfy { $0["records"] as? Int == 23 && $0["bytes"] as? Int == 12189 })
        #expect(array.allSatisfy { $0["scalars"] as? Int == 30 })
    }

    @Test("scalars of a compressed file equal the original's, by file or through standard input")
    func scalarsMatch() throws {
        let plain = try CLIRunner.run(["scalars", "--format", "csv", CLIRunner.fixture(Self.base)])
        #expect(plain.status == 0)
        let expected = plain.stdout.split(separator: "\n").map { $0.split(separator: ",", maxSplits: 1).last ?? "" }
        #expect(expected.count == 31)
        for suffix in [".gz", ".zlib-tfrecord", ".zst"] {
            let path = CLIRunner.fixture(Self.base + suffix)
            let byPath = try CLIRunner.run(["scalars", "--format", "csv", path])
            #expect(byPath.status == 0, "\(byPath.stderr)")
            #expect(byPath.stdout.split(separator: "\n").map { $0.split(separator: ",", maxSplits: 1).last ?? "" } == expected)
            let piped = try CLIRunner.run(["scalars", "--format", "csv", "-"],
                                          stdin: try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(piped.stdout.split(separator: "\n").map { $0.split(separator: ",", maxSplits: 1).last ?? "" } == expected)
        }
    }

    @Test("a cut gzip file is a truncated tail (exit 0); damaged gzip data is corruption (exit 1) with both offsets")
    func truncatedAndDamaged() throws {
        let truncated = try CLIRunner.run(["scan", "--format", "json", CLIRunner.fixture("corrupt/events.out.tfevents.gzip_truncated")])
        #expect(truncated.status == 0, "\(truncated.stderr)")
        let summary = try #require((try JSONSerialization.jsonObject(with: Data(truncated.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(summary["truncated_bytes"] as? Int == 15)
        #expect(summary["records"] as? Int == 7)
        #expect(summary["compression"] as? String == "gzip")

        var damaged = try Array(Data(contentsOf: URL(fileURLWithPath: CLIRunner.fixture(Self.base + ".gz"))))
        damaged[1500] ^= 0xFF
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-damaged-\(UUID().uuidString).gz")
        try Data(damaged).write(to: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try CLIRunner.run(["scan", "--format", "json", scratch.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("compressed offset"))
        let errors = try #require((try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])?.first?["errors"] as? [[String: Any]])
        // Damaged deflate data may first decode to records that fail their
        // CRC; zlib then notices the bad gzip CRC-32 or an invalid block.
        let decoding = try #require(errors.last)
        #expect(decoding["kind"] as? String == "corrupt_compressed_data")
        #expect(decoding["compressed_offset"] as? Int ?? -1 > 0)
        #expect(decoding["offset"] as? Int ?? -1 > 0)
    }
}
