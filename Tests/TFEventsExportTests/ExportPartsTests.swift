import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@testable import TFEventsSystem

@Suite("Checkpoint state, locator, manifest, validation, garbage collection, lock")
struct ExportPartsTests {
    @Test("the fixtures' checkpoint files")
    func fixtureCheckpointState() throws {
        for run in ["loss_best", "accuracy_best"] {
            let directory = FixtureLibrary.path("estimator/\(run)")
            let state = try #require(try CheckpointState.read(directory: directory))
            #expect(state.modelCheckpointPath == "model.ckpt-250")
            #expect(state.allModelCheckpointPaths == ["model.ckpt-200", "model.ckpt-225", "model.ckpt-250"])
            let locator = CheckpointLocator(modelDirectory: directory)
            #expect(try locator.survivingCheckpoints().map(\.globalStep) == [200, 225, 250])
            let latest = try locator.latestCheckpoint()
            #expect(latest.prefix == directory + "/model.ckpt-250")
            #expect(latest.dataFiles == [directory + "/model.ckpt-250.data-00000-of-00001"])
        }
    }

    @Test("text format: every field, comments, escapes, concatenation, unknown fields, errors with lines")
    func checkpointStateParsing() throws {
        let text = """
        # written by a newer TensorFlow
        model_checkpoint_path: "/old/machine/run/model.ckpt-30"
        all_model_checkpoint_paths: 'model.ckpt-10'  all_model_checkpoint_paths: "model" ".ckpt-20";
        all_model_checkpoint_paths: "dir\\\\with \\"quote\\"\\101\\x42"
        all_model_checkpoint_timestamps: 1600000000.5
        all_model_checkpoint_timestamps: 1.6e9
        last_preserved_timestamp: 1599999999
        future_field: 7
        future_message { nested: "x" inner < deeper: 1 > }
        """
        let state = try CheckpointState(parsing: text)
        #expect(state.modelCheckpointPath == "/old/machine/run/model.ckpt-30")
        #expect(state.allModelCheckpointPaths == ["model.ckpt-10", "model.ckpt-20", "dir\\with \"quote\"AB"])
        #expect(state.allModelCheckpointTimestamps == [1_600_000_000.5, 1.6e9])
        #expect(state.lastPreservedTimestamp == 1_599_999_999)
        #expect(try CheckpointState(parsing: state.text) == state)

        for (bad, line) in [("model_checkpoint_path: 12", 1), ("all_model_checkpoint_paths: \"x\"", 1),
                            ("model_checkpoint_path: \"a\"\nall_model_checkpoint_paths: \"unterminated", 2),
                            ("model_checkpoint_path \"no colon\"", 1), ("model_checkpoint_path: \"a\" }", 1)] {
            #expect {
                _ = try CheckpointState(parsing: bad, path: "ckpt")
            } throws: { error in
                guard case let .invalidCheckpointState(path, errorLine, _) = error as? ExportError else { return false }
                return path == "ckpt" && errorLine == line
            }
        }
    }

    @Test("locator: sharded checkpoints, a missing shard, paths from another machine, no checkpoint file")
    func locator() throws {
        let scratch = TemporaryDirectory()
        try writeFakeCheckpoint(modelDirectory: scratch.path, step: 10, shards: 3)
        try writeFakeCheckpoint(modelDirectory: scratch.path, step: 20)
        let locator = CheckpointLocator(modelDirectory: scratch.path)
        let sharded = try locator.checkpoint(forStep: 10)
        #expect(sharded.dataFiles.map(FilePaths.basename) == (0 ..< 3).map { "model.ckpt-10.data-0000\($0)-of-00003" })
        try FileOperations.removeTree(scratch.join("model.ckpt-10.data-00001-of-00003"))
        #expect {
            _ = try locator.checkpoint(forStep: 10)
        } throws: { error in
            guard case let .incompleteCheckpoint(_, missing) = error as? ExportError else { return false }
            return missing == ["model.ckpt-10.data-00001-of-00003"]
        }
        // A checkpoint file written on another machine: absolute paths that do not exist here.
        try writeFile(scratch.join("checkpoint"), CheckpointState(
            modelCheckpointPath: "/elsewhere/model.ckpt-20", allModelCheckpointPaths: ["/elsewhere/model.ckpt-20"]).text)
        #expect(try locator.latestCheckpoint().prefix == scratch.join("model.ckpt-20"))
        // No checkpoint file at all: the highest step.
        try FileOperations.removeTree(scratch.join("checkpoint"))
        #expect(try locator.latestCheckpoint().globalStep == 20)
        // Relative prefixes as the training loop passes them.
        #expect(try locator.checkpoint(atPath: "model.ckpt-20").prefix == scratch.join("model.ckpt-20"))
        // Nothing at all.
        let empty = TemporaryDirectory()
        #expect {
            _ = try CheckpointLocator(modelDirectory: empty.path).latestCheckpoint()
        } throws: { error in
            "\(error)".hasPrefix("Couldn't find trained model at \(empty.path)")
        }
        #expect(Checkpoint.globalStep(ofPrefix: "a/model.ckpt-123") == 123)
        #expect(Checkpoint.globalStep(ofPrefix: "a/ckpt-7") == 7)
        #expect(Checkpoint.globalStep(ofPrefix: "a/model.ckpt") == nil)
    }

    @Test("manifest: binary and text round trips, exact doubles, odd strings")
    func manifestRoundTrip() throws {
        let result = EvalResult(globalStep: -3, metrics: [
            "loss": 0.253292977809906, "nan": .nan, "inf": .infinity, "-inf": -.infinity, "tiny": .leastNonzeroMagnitude,
            "ünïcödé/metric \"q\"": 1e300, "": 0,
        ], source: EvalSource(path: "eval/events.out.tfevents.1.host\nx", recordOffset: 1 << 40, eventIndex: 19,
                              wallTime: 1795438164.626798))
        let manifest = ExportManifest(exporterName: "best_exporter", evalResult: result, checkpointPath: "/m/model.ckpt-225",
                                      modelWriter: "command", isFinalExport: true, comparison: "loss smaller")
        let binary = try ExportManifest(binary: manifest.binary())
        let text = try ExportManifest(text: manifest.text())
        for decoded in [binary, text] {
            #expect(decoded == manifest)
            #expect(decoded.evalResult.metrics["nan"]!.isNaN)
        }
        #expect(manifest.text().hasPrefix("exporter_name: \"best_exporter\"\nglobal_step: -3\nmetrics {\n  name: \"\"\n  value: 0.0\n}\n"))
        // A live result: no source fields at all.
        let live = ExportManifest(exporterName: "x", evalResult: EvalResult(globalStep: 5, metrics: ["loss": 1]),
                                  checkpointPath: "c", modelWriter: "w")
        #expect(try ExportManifest(binary: live.binary()) == live)
        #expect(!live.text().contains("event_"))
        #expect(throws: ExportError.self) { try ExportManifest(binary: [0x0A, 0x05, 0x61]) }
        #expect(throws: ExportError.self) { try ExportManifest(text: "global_step: \"x\"") }
        // Binary layout of a small manifest, field by field.
        let small = ExportManifest(exporterName: "b", evalResult: EvalResult(globalStep: 2, metrics: ["l": 0.5]),
                                   checkpointPath: "", modelWriter: "")
        #expect(small.binary() == [0x0A, 0x01, 0x62, 0x10, 0x02, 0x1A, 0x0C, 0x0A, 0x01, 0x6C,
                                   0x11, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F])
    }

    @Test("validation: each wrong argument is a typed error saying what is wrong")
    func validation() throws {
        func message(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch { return "\(error)" }
        }
        #expect(message { _ = try BestExporter(exportsToKeep: 0) }
                == "`exports_to_keep`, if provided, must be a positive number. Got 0")
        #expect(message { _ = try BestExporter(exportsToKeep: -2) }
                == "`exports_to_keep`, if provided, must be a positive number. Got -2")
        #expect(message { _ = try LatestExporter(name: "l", exportsToKeep: 0) }?
                .hasPrefix("`exports_to_keep`, if provided, must be positive number") == true)
        #expect(message { _ = try BestExporter(exportsToKeep: nil) } == nil)
        #expect(message { _ = try BestExporter(name: "") }?.contains("must not be empty") == true)
        #expect(message { _ = try BestExporter(name: "a/b") }?.contains("\"a/b\"") == true)
        #expect(message { _ = try FinalExporter(name: "..") } != nil)
        #expect(message { _ = try BestExporter(comparison: .larger("")) } == "A metric name must not be empty.")
        #expect(message { _ = try BestExporter(assetsExtra: ["../escape": "/etc/hosts"]) }?.contains("../escape") == true)
        #expect(message { _ = try BestExporter(assetsExtra: ["/abs": "/etc/hosts"]) } != nil)
        #expect(message { _ = try BestExporter(assetsExtra: ["vocab/words.txt": "/etc/hosts"]) } == nil)
    }

    @Test("assets_extra and as_text land where TensorFlow puts them")
    func assetsAndText() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        try writeFile(scratch.join("vocab.txt"), "a\nb\n")
        try FileOperations.makeDirectories(scratch.join("tokenizer/sub"))
        try writeFile(scratch.join("tokenizer/sub/model.json"), "{}")
        var options = BestExporter.Options()
        options.clock = clock
        var exporter = try BestExporter(assetsExtra: ["vocab/words.txt": scratch.join("vocab.txt"),
                                                      "tok": scratch.join("tokenizer")],
                                        asText: true, options: options)
        let outcome = try exporter.considerExport(model: training.model, exportPath: training.model.exportPath(for: "best"),
                                                  evalResult: try training.evaluate(step: 3, ["loss": 1]))
        let directory = try #require(outcome.exportDirectory)
        #expect(try readText(directory + "/assets.extra/vocab/words.txt") == "a\nb\n")
        #expect(try readText(directory + "/assets.extra/tok/sub/model.json") == "{}")
        #expect(listing(directory) == ["assets.extra", "export_manifest.pbtxt", "variables"])
        #expect(listing(directory + "/variables") == ["variables.data-00000-of-00001", "variables.index"])
        // Hard links: same inode as the checkpoint.
        let exported = try FileIdentity(path: directory + "/variables/variables.index")
        let original = try FileIdentity(path: scratch.join("model.ckpt-3.index"))
        #expect(exported.isSameFile(as: original))
        // Copy mode: a different file with the same bytes.
        var copying = try BestExporter(name: "copy", modelWriter: CheckpointSnapshotWriter(fileMode: .copy),
                                       eventFilePattern: nil, options: options)
        let copied = try #require(try copying.considerExport(
            model: training.model, exportPath: training.model.exportPath(for: "copy"),
            evalResult: EvalResult(globalStep: 3, metrics: ["loss": 1])).exportDirectory)
        #expect(!(try FileIdentity(path: copied + "/variables/variables.index")).isSameFile(as: original))
        #expect(try readText(copied + "/variables/variables.index") == "index of step 3\n")
    }

    @Test("garbage collection: only 10-digit names; keep-best leaves exports without manifests alone")
    func garbageCollector() throws {
        let scratch = TemporaryDirectory()
        for name in ["1600000001", "1600000002", "1600000003", "1600000004", "160000000", "16000000050", "temp-1600000009", "x"] {
            try FileOperations.makeDirectories(scratch.join(name))
        }
        var collector = ExportGarbageCollector(retention: .newest(2))
        let report = collector.collect(exportPath: scratch.path)
        #expect(report.removed.map(FilePaths.basename) == ["1600000001", "1600000002"])
        #expect(listing(scratch.path) == ["160000000", "1600000003", "1600000004", "16000000050", "temp-1600000009", "x"])

        // Keep-best: two exports with manifests, one without.
        for (name, loss) in [("1600000003", 0.5), ("1600000004", 0.7)] {
            try ExportManifest(exporterName: "b", evalResult: EvalResult(globalStep: 1, metrics: ["loss": loss]),
                               checkpointPath: "c", modelWriter: "w")
                .write(into: scratch.join(name), asText: false, fileSystem: POSIXFileSystem())
        }
        try FileOperations.makeDirectories(scratch.join("1600000005"))
        collector.retention = .best(1, .lossSmaller)
        let best = collector.collect(exportPath: scratch.path)
        #expect(best.removed.map(FilePaths.basename) == ["1600000004"])
        #expect(best.unranked.map(FilePaths.basename) == ["1600000005"])
        #expect(exportVersions(scratch.path) == ["1600000003", "1600000005"])
        // A missing export path is nothing to collect.
        #expect(collector.collect(exportPath: scratch.join("absent")).failures.isEmpty)
    }

    @Test("garbage collection with protectBest never deletes the best surviving export, keeping the count")
    func collectorProtectsTheBest() throws {
        let scratch = TemporaryDirectory()
        for (name, loss) in [("1600000001", 0.1), ("1600000002", 0.5), ("1600000003", 0.4), ("1600000004", 0.3)] {
            try FileOperations.makeDirectories(scratch.join(name))
            try ExportManifest(exporterName: "b", evalResult: EvalResult(globalStep: 1, metrics: ["loss": loss]),
                               checkpointPath: "c", modelWriter: "w")
                .write(into: scratch.join(name), asText: false, fileSystem: POSIXFileSystem())
        }
        // TensorFlow's newest-2 alone would delete the best (loss 0.1).
        let collector = ExportGarbageCollector(retention: .newest(2), protectBest: .lossSmaller)
        let report = collector.collect(exportPath: scratch.path)
        #expect(exportVersions(scratch.path) == ["1600000001", "1600000004"])
        #expect(report.removed.map(FilePaths.basename).sorted() == ["1600000002", "1600000003"])
        // The export just made is kept too; one more than asked rather than the best deleted.
        let one = ExportGarbageCollector(retention: .newest(1), protectBest: .lossSmaller)
        _ = one.collect(exportPath: scratch.path, protecting: scratch.join("1600000004"))
        #expect(exportVersions(scratch.path) == ["1600000001", "1600000004"])
        // As good as the best, the export just made takes its place.
        try FileOperations.makeDirectories(scratch.join("1600000005"))
        try ExportManifest(exporterName: "b", evalResult: EvalResult(globalStep: 9, metrics: ["loss": 0.1]),
                           checkpointPath: "c", modelWriter: "w")
            .write(into: scratch.join("1600000005"), asText: false, fileSystem: POSIXFileSystem())
        _ = one.collect(exportPath: scratch.path, protecting: scratch.join("1600000005"))
        #expect(exportVersions(scratch.path) == ["1600000005"])
    }

    @Test("the export lock excludes a second holder, names the first, and is taken over once released")
    func exportLock() throws {
        let scratch = TemporaryDirectory()
        let first = try ExportLock(exportPath: scratch.join("export/best"))
        #expect {
            _ = try ExportLock(exportPath: scratch.join("export/best"))
        } throws: { error in
            guard case let .locked(_, holder) = error as? ExportError else { return false }
            return holder == getpid()
        }
        first.release()
        let second = try ExportLock(exportPath: scratch.join("export/best"))
        #expect(FileOperations.exists(second.path))
        #expect(!ExportDirectory.isVersionName(ExportLock.fileName))
    }
}

/// The command template: placeholders become quoted variable references,
/// never code.
@Suite("Command templates")
struct CommandTemplateTests {
    @Test("placeholders outside quotes, inside double quotes, escaped, and refused inside single quotes")
    func scripts() throws {
        #expect(try CommandModelWriter.script(for: "cp {checkpoint}.index {export_dir}/")
                == "cp \"${TFEVENTS_CHECKPOINT}\".index \"${TFEVENTS_EXPORT_DIR}\"/")
        #expect(try CommandModelWriter.script(for: "echo \"step {global_step} of {name}\"")
                == "echo \"step ${TFEVENTS_GLOBAL_STEP} of ${TFEVENTS_EXPORTER}\"")
        #expect(try CommandModelWriter.script(for: "echo \\{model_dir} {unknown}") == "echo \\{model_dir} {unknown}")
        #expect(throws: CommandModelWriter.TemplateError.self) { try CommandModelWriter.script(for: "echo '{model_dir}'") }
        #expect(try CommandModelWriter.script(for: "echo 'literal' {as_text}") == "echo 'literal' \"${TFEVENTS_AS_TEXT}\"")
    }
}
