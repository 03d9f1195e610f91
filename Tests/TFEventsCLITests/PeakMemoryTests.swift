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

/// Reading a gzip log of 1 GiB uncompressed stays under 64 MiB of resident
/// memory (plus the largest record, here a few hundred bytes).
///
/// Slow (it writes the log first: about half a minute in release builds),
/// so it runs only when `TFEVENTS_MEMORY_TEST=1`:
///
///     TFEVENTS_MEMORY_TEST=1 swift test --filter PeakMemory
///
/// The log is generated in the temporary directory and removed afterwards.
@Suite("Peak memory")
struct PeakMemoryTests {
    static let enabled = ProcessInfo.processInfo.environment["TFEVENTS_MEMORY_TEST"] == "1"

    @Test("scan of a 1 GiB gzip log: peak resident memory under 64 MiB", .enabled(if: enabled))
    func gzipGigabyte() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-rss-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.out.tfevents.1600000000.rss.gz").path

        let writer = try RecordFileWriter(path: path, compression: .gzip, level: 1)
        var generator = EvalLogGenerator(seed: 42)
        var encoder = EventEncoder(capacity: 4096)
        var records = 0
        while writer.offset < 1 << 30 {
            generator.encodeNextEvent(into: &encoder)
            try writer.write(encoder.span)
            records += 1
        }
        try writer.close()

        let result = try CLIRunner.run(["scan", "--format", "json", path], environment: ["TFEVENTS_REPORT_PEAK_MEMORY": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        // The scan's own peak (VmHWM): a parent's rusage would include ours.
        let line = try #require(result.stderr.split(separator: "\n").last { $0.contains("peak resident memory: ") })
        let peakKiB = try #require(Int(line.split(separator: " ").dropLast().last ?? ""))
        let summary = try #require((try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(summary["records"] as? Int == records)
        #expect(summary["bytes"] as? Int == writer.offset)
        print("peak resident memory of `tfevents scan` on \(writer.offset) uncompressed bytes (gzip): \(peakKiB) KiB")
        #expect(peakKiB < 64 << 10)
    }
}
