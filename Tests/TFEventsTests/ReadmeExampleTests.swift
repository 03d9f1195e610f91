import Foundation
import Testing
import TFEvents
import TFEventsTestSupport

/// The README's library example: this test holds the block as it stands in
/// README.md (checked line for line, so the two cannot drift) and runs it
/// on a fresh log and model directory.
@Suite("README library example")
struct ReadmeExampleTests {
    static let beginMarker = "// --- README example begins ---"
    static let endMarker = "// --- README example ends ---"

    /// The lines of the README's first `swift` block under "## Library",
    /// without its `import` line and the blank lines after it.
    static func readmeBlock() throws -> [String] {
        let root = URL(fileURLWithPath: FixtureLibrary.root).deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        let section = try #require(lines.firstIndex(of: "## Library"), "README has no ## Library section")
        let open = try #require(lines[section...].firstIndex(of: "```swift"), "no swift block under ## Library")
        let close = try #require(lines[(open + 1)...].firstIndex(of: "```"), "unterminated swift block")
        let block = lines[(open + 1) ..< close].filter { $0 != "import TFEvents" }
        return Array(block.drop { $0.isEmpty })
    }

    /// The lines between the markers in this file, indentation of the
    /// method body removed.
    static func copyInThisFile(path: String = #filePath) throws -> [String] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let begin = try #require(lines.firstIndex { $0.hasSuffix(beginMarker) && !$0.contains("static let") })
        let end = try #require(lines.firstIndex { $0.hasSuffix(endMarker) && !$0.contains("static let") })
        return lines[(begin + 1) ..< end].map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : $0 }
    }

    @Test("this test's copy is the README's block, line for line")
    func copyMatchesReadme() throws {
        let readme = try Self.readmeBlock()
        let copy = try Self.copyInThisFile()
        #expect(readme.count > 20)
        for (number, (a, b)) in zip(readme, copy).enumerated() where a != b {
            Issue.record("line \(number + 1) of the example differs:\n README: \(a)\n test:   \(b)")
        }
        #expect(readme.count == copy.count, "README block has \(readme.count) lines, the copy \(copy.count)")
    }

    @Test("the example runs on a fresh log and model directory")
    func example() throws {
        let scratch = ScratchDirectory()
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(scratch.path)
        // The scratch directory must outlive the time it is the working
        // directory (ARC may end `scratch` after its last use).
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous); withExtendedLifetime(scratch) {} }
        setenv("XDG_CACHE_HOME", scratch.path + "/cache", 1)
        // A model directory with one evaluation and its checkpoint, and a log directory.
        try FileManager.default.createDirectory(atPath: "logs/eval", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixtureLibrary.path("tf1/edge/events.out.tfevents.1795433720.vm"),
                                        toPath: "logs/eval/events.out.tfevents.1700000000.host")
        try FileManager.default.createDirectory(atPath: "model_dir/eval", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixtureLibrary.path("tf1/edge_no_loss/events.out.tfevents.1795433720.vm"),
                                        toPath: "model_dir/eval/events.out.tfevents.1700000000.host")
        for name in ["model.ckpt-1000.index", "model.ckpt-1000.data-00000-of-00001"] {
            _ = FileManager.default.createFile(atPath: "model_dir/" + name, contents: Data([1, 2, 3]))
        }

        // --- README example begins ---
        // Every scalar of a file or a log directory (plain, gzip, zlib or zstd), as values.
        let log = try ScalarLog(reading: "logs")
        for point in log.points(tag: "loss") {
            print(point.path, point.step, point.value)
        }
        for file in log.files where file.hasCorruption {              // damage is skipped, never fatal
            print(file.path, file.issues.map(\.offset))
        }

        // The best evaluation of an Estimator model directory, as BestExporter finds it.
        let recovery = try EvalRecovery.recover(modelDirectory: "model_dir", comparison: .larger("accuracy"))
        print(recovery.best?.globalStep as Any, recovery.best?["accuracy"] as Any)

        // A log directory through its index: an update reads only what changed.
        let index = try LogdirIndex(logdir: "logs")
        try index.update()
        let loss = try index.scalars(run: "eval", tag: "loss", purge: .sessionStart)
        let lowest = try index.bestEvaluation(for: .minimize("loss"))
        print(loss.count, lowest?.evaluation.step as Any)

        // Events one by one, borrowed from the reader: nothing is allocated per event.
        var reader = try EventFileReader(path: "logs/eval/events.out.tfevents.1700000000.host")
        while let event = try reader.next() {                        // a view, valid until the next call
            var values = event.summaryValues()
            while let value = try values.next() {
                if let scalar = try value.scalar() {                  // FORMAT §4.2
                    print(value.tag, event.step, scalar.value, scalar.encoding)
                }
            }
        }
        print(reader.endState)   // .clean, .truncated(validEnd:trailingBytes:) or .stopped(at:)

        // BestExporter in your own training loop.
        var exporter = try BestExporter(comparison: .lossSmaller, exportsToKeep: 3)
        let model = ModelDirectory("model_dir")
        let outcome = try exporter.considerExport(
            model: model, exportPath: model.exportPath(for: exporter.name),
            checkpoint: .path("model_dir/model.ckpt-1000"),
            evalResult: EvalResult(globalStep: 1000, metrics: ["loss": 0.25, "accuracy": 0.91]))
        print(outcome)   // exported model_dir/export/best_exporter/1700000000 (step 1000): ...

        // Writing: TensorFlow's file name and first record, any compression.
        let writer = try EventFileWriter(directory: "logs/run1", options: .init(compression: .zstd))
        try writer.writeScalar("loss", 0.25, step: 1000)
        try writer.close()
        // --- README example ends ---

        #expect(log.files.count == 1 && log.points(tag: "loss").count == 8)
        #expect(reader.endState == .clean(offset: 697))
        #expect(loss.count == 8)
        #expect(lowest?.evaluation.step == log.points(tag: "loss").min { $0.value < $1.value }?.step)
        #expect(recovery.best?.globalStep == 2)
        #expect(outcome.exportDirectory != nil)
        let written = try ScalarLog(reading: "logs/run1")
        #expect(written.files.first?.compression == .zstd && written.points.map(\.value) == [0.25])
    }
}
