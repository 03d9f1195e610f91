import Synchronization
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Failures at every step of an export leave no partial export and the
/// best unchanged; directory names never collide; the command writer.
@Suite("Export failures, directory names and the command writer")
struct ExportFailureTests {
    /// Two evaluations exported, a third (better) one whose export fails,
    /// then a fourth between the second and the third: exported only if the
    /// best was left at the second.
    func checkFailure(writer: (any ModelWriter)? = nil, fileSystem: FailingFileSystem? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let scratch = TemporaryDirectory("failure")
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var options = BestExporter.Options()
        options.clock = clock
        var exporter = try BestExporter(modelWriter: writer ?? CheckpointSnapshotWriter(), options: options)
        let exportPath = training.model.exportPath(for: exporter.name)
        for (step, loss) in [(Int64(1), Float(0.5)), (2, 0.4)] {
            #expect(try exporter.considerExport(model: training.model, exportPath: exportPath,
                                                evalResult: try training.evaluate(step: step, ["loss": loss])).exported,
                    sourceLocation: sourceLocation)
        }
        let before = listing(exportPath)
        if let fileSystem {
            exporter.fileSystem = fileSystem
            fileSystem.arm()
        }
        let failing = try training.evaluate(step: 3, ["loss": 0.1])
        #expect(throws: ExportError.self, sourceLocation: sourceLocation) {
            _ = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: failing)
        }
        // Nothing new in the export directory: no temp-*, no half export.
        #expect(listing(exportPath) == before, sourceLocation: sourceLocation)
        #expect(exporter.best?.globalStep == 2, sourceLocation: sourceLocation)
        exporter.fileSystem = POSIXFileSystem()
        let next = try training.evaluate(step: 4, ["loss": 0.3])
        let outcome = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: next)
        #expect(outcome.exported, "best should still be step 2: \(outcome)", sourceLocation: sourceLocation)
    }

    @Test("the model writer fails (after writing part of the model)")
    func modelWriterFails() throws {
        try checkFailure(writer: FailingModelWriter(failOn: [3]))
    }

    @Test("a file-system step fails", arguments: [
        (FailingFileSystem.Operation.makeDirectory, 1), (.linkOrCopy, 1), (.linkOrCopy, 2), (.writeNewFile, 1), (.writeNewFile, 2),
        (.syncDirectory, 1), (.renameNoReplace, 1),
    ])
    func fileSystemFails(operation: FailingFileSystem.Operation, call: Int) throws {
        let fileSystem = FailingFileSystem(failing: operation, onCall: call)
        var snapshot = CheckpointSnapshotWriter()
        snapshot.fileSystem = fileSystem
        try checkFailure(writer: snapshot, fileSystem: fileSystem)
    }

    @Test("a missing assets_extra source fails before anything is written")
    func missingAsset() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var options = BestExporter.Options()
        options.clock = clock
        var exporter = try BestExporter(assetsExtra: ["vocab/words.txt": scratch.join("missing.txt")], options: options)
        let exportPath = training.model.exportPath(for: exporter.name)
        #expect {
            _ = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                            evalResult: try training.evaluate(step: 1, ["loss": 1]))
        } throws: { error in
            guard case .invalidArgument(.missingAssetsExtraSource) = error as? ExportError else { return false }
            return true
        }
        #expect(exportVersions(exportPath).isEmpty)
    }

    @Test("the checkpoint of the evaluation was deleted: the error names the nearest survivors")
    func checkpointDeleted() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, keepCheckpoints: 2, clock: clock)
        let old = try training.evaluate(step: 100, ["loss": 0.1])
        for step in [Int64(200), 300, 400] { try training.evaluate(step: step, ["loss": 0.5]) }
        var exporter = try BestExporter(eventFilePattern: nil, options: { var o = BestExporter.Options(); o.clock = clock; return o }())
        #expect {
            _ = try exporter.considerExport(model: training.model, exportPath: training.model.exportPath(for: "best"),
                                            evalResult: old)
        } throws: { error in
            guard case let .checkpointDeleted(step, _, nearest) = error as? ExportError else { return false }
            return step == 100 && nearest.map(\.globalStep) == [300]
                && "\(error)".contains("model.ckpt-300 (step 300)")
        }
        #expect(exporter.best == nil && !exporter.hasExported)
        #expect(throws: ExportError.self) { try training.model.checkpoints.checkpoint(forStep: 350) }
        do {
            _ = try training.model.checkpoints.checkpoint(forStep: 350)
        } catch {
            #expect(error.description.hasSuffix("the nearest surviving checkpoints are model.ckpt-300 (step 300) and model.ckpt-400 (step 400)"))
        }
    }

    @Test("a taken directory name: wait a second and take the next; give up after 10 attempts")
    func directoryNames() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock(1_700_000_100)
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        let result = try training.evaluate(step: 1, ["loss": 1])
        let exportPath = training.model.exportPath(for: "latest")
        var latest = try LatestExporter(name: "latest", exportsToKeep: nil, options: {
            var options = LatestExporter.Options()
            options.clock = clock
            return options
        }())
        let now = clock.now
        try FileOperations.makeDirectories(FilePaths.join(exportPath, String(now)))
        try FileOperations.makeDirectories(FilePaths.join(exportPath, "temp-\(now + 1)"))  // another exporter at work
        let outcome = try latest.considerExport(model: training.model, exportPath: exportPath, evalResult: result)
        #expect(outcome.exportDirectory == FilePaths.join(exportPath, String(now + 2)))
        #expect(clock.sleeps == 2)

        let frozen = FakeClock(1_700_000_500, frozen: true)
        try FileOperations.makeDirectories(FilePaths.join(exportPath, "1700000500"))
        var stuck = try LatestExporter(name: "latest", exportsToKeep: nil, options: {
            var options = LatestExporter.Options()
            options.clock = frozen
            return options
        }())
        #expect {
            _ = try stuck.considerExport(model: training.model, exportPath: exportPath, evalResult: result)
        } throws: { error in
            "\(error)".hasSuffix("Failed to obtain a unique export directory name after 10 attempts.")
        }
        #expect(frozen.sleeps == 10)
    }

    @Test("the rename never replaces an export that appeared meanwhile")
    func renameNoReplace() throws {
        let scratch = TemporaryDirectory()
        try FileOperations.makeDirectories(scratch.join("a/inside"))
        try FileOperations.makeDirectories(scratch.join("b"))  // empty: rename(2) alone would replace it
        #expect(throws: SystemError.self) { try FileOperations.renameNoReplace(scratch.join("a"), to: scratch.join("b")) }
        #expect(listing(scratch.join("a")) == ["inside"])
        try FileOperations.renameNoReplace(scratch.join("a"), to: scratch.join("c"))
        #expect(listing(scratch.path) == ["b", "c"])
    }

    @Test("the command writer: placeholders, environment, as_text, captured output")
    func commandWriter() throws {
        let scratch = TemporaryDirectory("command's dir")  // a quote in the path
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        let script = """
        printf '%s\\n' {checkpoint} {as_text} {global_step} "$TFEVENTS_EXPORTER" > {export_dir}/saved_model.pbtxt && \
        cp "$TFEVENTS_CHECKPOINT.index" "$TFEVENTS_EXPORT_DIR/copied.index" && echo done
        """
        let output = OutputCollector()
        var options = BestExporter.Options()
        options.clock = clock
        var exporter = try BestExporter(modelWriter: CommandModelWriter(command: script, onOutput: output.append),
                                        asText: true, options: options)
        let outcome = try exporter.considerExport(model: training.model, exportPath: training.model.exportPath(for: exporter.name),
                                                  evalResult: try training.evaluate(step: 7, ["loss": 1]))
        let directory = try #require(outcome.exportDirectory)
        #expect(try readText(directory + "/saved_model.pbtxt")
                == "\(scratch.path)/model.ckpt-7\ntrue\n7\nbest_exporter\n")
        #expect(try readText(directory + "/copied.index") == "index of step 7\n")
        #expect(listing(directory) == ["copied.index", "export_manifest.pbtxt", "saved_model.pbtxt"])
        let manifest = try #require(try ExportManifest.read(exportDirectory: directory))
        #expect(manifest.modelWriter == "command")
        #expect(output.text == "done\n")
    }

    @Test("the command writer: a non-zero exit, a signal, a timeout fail the export cleanly")
    func commandFailures() throws {
        let cases: [(String, Double?, CommandModelWriter.Failure.Termination)] = [
            ("echo partial > {export_dir}/x; echo 'bad checkpoint' >&2; exit 3", nil, .exited(3)),
            ("kill -9 $$", nil, .signaled(9)),
            ("sleep 5", 0.3, .timedOut(seconds: 0.3)),
        ]
        for (command, timeout, expected) in cases {
            let scratch = TemporaryDirectory()
            let clock = FakeClock()
            let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
            var options = BestExporter.Options()
            options.clock = clock
            var exporter = try BestExporter(modelWriter: CommandModelWriter(command: command, timeout: timeout), options: options)
            let exportPath = training.model.exportPath(for: exporter.name)
            let start = ChildProcess.monotonicSeconds()
            #expect {
                _ = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                                evalResult: try training.evaluate(step: 1, ["loss": 1]))
            } throws: { error in
                guard case let .modelWriterFailed(_, _, underlying) = error as? ExportError,
                      let failure = underlying as? CommandModelWriter.Failure else { return false }
                if failure.termination == .exited(3) { #expect(failure.outputTail == "bad checkpoint\n") }
                return failure.termination == expected
            }
            #expect(ChildProcess.monotonicSeconds() - start < 4)
            #expect(listing(exportPath).isEmpty)
            // Still the result recovered from the event file, nothing exported.
            #expect(exporter.best?.source != nil && !exporter.hasExported)
        }
    }

    @Test("shell quoting survives any path")
    func shellQuoting() throws {
        for text in ["plain/path-1.0", "with space", "it's", "$(rm -rf /)", "`x`", "a\"b", "", "new\nline"] {
            let quoted = CommandModelWriter.shellQuoted(text)
            let run = ChildProcess.run(arguments: ["/bin/sh", "-c", "printf %s \(quoted)"], environment: [:],
                                       timeout: 5, onOutput: nil)
            #expect(run.termination == .exited(0))
            #expect(run.outputTail == text)
        }
    }
}

/// Collects a command's output across threads.
final class OutputCollector: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    var append: @Sendable ([UInt8]) -> Void { { chunk in self.bytes.withLock { $0.append(contentsOf: chunk) } } }
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}
