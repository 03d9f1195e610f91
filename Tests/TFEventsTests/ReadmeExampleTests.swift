import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import _TFEventsFuzzing
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The README's library example, kept compiling and running.
@Suite("README library example")
struct ReadmeExampleTests {
    @Test("the example runs on a fresh log and model directory")
    func example() throws {
        let scratch = ScratchDirectory()
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(scratch.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        setenv("XDG_CACHE_HOME", scratch.path + "/cache", 1)
        // A model directory with one evaluation and its checkpoint, and a log directory.
        try FileManager.default.createDirectory(atPath: "logs/eval", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixtureLibrary.path("tf1/edge/events.out.tfevents.1795433720.vm"),
                                        toPath: "logs/eval/events.out.tfevents.1700000000.host")
        try FileManager.default.createDirectory(atPath: "model_dir/eval", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: FixtureLibrary.path("tf1/edge_no_loss/events.out.tfevents.1795433720.vm"),
                                        toPath: "model_dir/eval/events.out.tfevents.1700000000.host")
        for name in ["model.ckpt-1000.index", "model.ckpt-1000.data-00000-of-00001"] {
            FileManager.default.createFile(atPath: "model_dir/" + name, contents: Data([1, 2, 3]))
        }

        // --- the README example, unchanged ---
        var reader = try EventFileReader(path: "logs/eval/events.out.tfevents.1700000000.host")
        while true {
            do {
                guard let event = try reader.next() else { break }     // a view: valid until next()
                var values = event.summaryValues()
                while let value = try values.next() {
                    if let scalar = try value.scalar() {                  // FORMAT §4.2
                        print(value.tag, event.step, scalar.value, scalar.encoding)
                    }
                }
            } catch let error as ReadEventError where error.isResumable {
                print("skipped:", error)                                  // names the file and offset
            }
        }
        print(reader.endState)   // .clean, .truncated(validEnd:trailingBytes:) or .stopped(at:)

        let index = try LogdirIndex(logdir: "logs")
        try index.update()                                   // reads only what changed
        let loss = try index.scalars(run: "eval", tag: "loss", purge: .sessionStart)

        let recovery = try EvalRecovery.recover(modelDirectory: "model_dir", comparison: .larger("accuracy"))
        print(recovery.best?.globalStep as Any, recovery.statistics.skipped)
        var exporter = try BestExporter(comparison: .lossSmaller, exportsToKeep: 3)
        let model = ModelDirectory("model_dir")
        let outcome = try exporter.considerExport(
            model: model, exportPath: model.exportPath(for: exporter.name),
            checkpoint: .path("model_dir/model.ckpt-1000"),
            evalResult: EvalResult(globalStep: 1000, metrics: ["loss": 0.25, "accuracy": 0.91]))
        print(outcome)   // exported model_dir/export/best_exporter/1700000000 (step 1000): ...

        let writer = try EventFileWriter(directory: "logs/run1", options: .init(compression: .zstd))
        try writer.writeScalar("loss", 0.25, step: 1000)
        try writer.close()
        // --- end of the example ---

        #expect(reader.endState == .clean(offset: 697))
        #expect(loss.count == 8)
        #expect(recovery.best?.globalStep == 2)
        #expect(outcome.exportDirectory != nil)
        let written = FileScanner().scan(path: LogdirDiscovery.eventFiles(in: "logs/run1").files.first.map { "logs/run1/" + $0 } ?? "")
        #expect(written.compression == .zstd && written.scalarPoints == 1)
    }
}
