import Testing
@testable import TFEventsExport
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("Checkpoint layouts: templates, detection, finders, retention, min-delta, threshold")
struct CheckpointLayoutTests {
    @Test("templates match what the frameworks write and nothing else")
    func templateMatching() throws {
        let keras = try CheckpointTemplate("ckpt/epoch{epoch:02d}-{val_loss:.4f}.weights.h5")
        let match = try #require(keras.match(["ckpt", "epoch03-0.6967.weights.h5"]))
        #expect(match.epoch == 3 && match.step == nil && match.metrics == ["val_loss": "0.6967"])
        #expect(keras.match(["ckpt", "epoch3-0.6967.weights.h5"])?.epoch == 3)
        #expect(keras.match(["ckpt", "epochxx-0.6967.weights.h5"]) == nil)
        #expect(keras.match(["ckpt", "epoch03-abc.weights.h5"]) == nil)
        #expect(keras.match(["other", "epoch03-0.6967.weights.h5"]) == nil)
        #expect(keras.match(["epoch03-0.6967.weights.h5"]) == nil)
        #expect(keras.match(["ckpt", "epoch03-nan.weights.h5"])?.metrics["val_loss"] == "nan")
        #expect(keras.match(["ckpt", "epoch03--1.5e-05.weights.h5"])?.metrics["val_loss"] == "-1.5e-05")

        // Lightning's default with a metric suffix and a -v1 version: one * each side.
        let lightning = try CheckpointTemplate("checkpoints/*step={step}*.ckpt")
        #expect(lightning.match(["checkpoints", "epoch=1-step=8-val_acc=0.750.ckpt"])?.step == 8)
        #expect(lightning.match(["checkpoints", "epoch=3-step=16.ckpt"])?.step == 16)
        #expect(lightning.match(["checkpoints", "epoch=3-step=16-v1.ckpt"])?.step == 16)
        #expect(lightning.match(["checkpoints", "last.ckpt"]) == nil)
        // {step} takes every digit: step=160 is not step 16.
        #expect(try CheckpointTemplate("s{step}.ckpt").match(["s160.ckpt"])?.step == 160)
        // Orbax: only all-digit names; Orbax's unfinished tmp directories do not match.
        let orbax = try CheckpointTemplate("checkpoints/{step}")
        #expect(orbax.match(["checkpoints", "40"])?.step == 40)
        #expect(orbax.match(["checkpoints", "40.orbax-checkpoint-tmp-1796053400123456"]) == nil)
        // str.format's escaped braces are literal.
        #expect(try CheckpointTemplate("a{{b}}-{step}").match(["a{b}-5"])?.step == 5)
    }

    @Test("unusable templates are refused with the reason")
    func templateErrors() {
        for (text, reason) in [("", "empty"), ("/abs/{step}", "relative"), ("../{step}", ".."), ("x{step", "not closed"),
                               ("x{}", "no name")] {
            #expect {
                _ = try CheckpointTemplate(text)
            } throws: { error in
                guard case .invalidArgument(.invalidCheckpointTemplate(_, let why)) = error as? ExportError else { return false }
                return why.contains(reason)
            }
        }
        #expect(throws: ExportError.self) { _ = try CheckpointLayout.keras(filepath: "best.keras") }
        #expect(throws: ExportError.self) { _ = try CheckpointLayout.lightning(filename: "{epoch}-{val_acc:.3f}") }
        #expect(throws: ExportError.self) { _ = try CheckpointLayout.template("ckpt/latest.pt") }
    }

    @Test("Lightning's automatic metric names")
    func lightningAutoInsert() throws {
        #expect(CheckpointLayout.autoInsertMetricNames("{epoch}-{step}-{val_acc:.3f}") == "epoch={epoch}-step={step}-val_acc={val_acc:.3f}")
        #expect(try CheckpointLayout.lightning(filename: "{epoch}-{step}").template?.text == "checkpoints/epoch={epoch}-step={step}.ckpt")
        #expect(try CheckpointLayout.lightning().offset == 1)
    }

    @Test("auto-detection recognises every framework's fixture and Estimator's")
    func detection() {
        let cases: [(String, CheckpointLayout.Preset)] = [
            ("estimator/loss_best", .estimator),
            ("frameworks/huggingface/loss", .huggingFace),
            ("frameworks/lightning/default/lightning_logs/version_0", .lightning),
            ("frameworks/keras/weights_h5", .keras),
            ("frameworks/orbax/loss", .orbax),
        ]
        for (relative, preset) in cases {
            let detection = CheckpointLayout.detect(modelDirectory: FixtureLibrary.path(relative))
            #expect(detection.preset == preset, "\(relative): \(detection)")
            #expect(!detection.evidence.isEmpty || preset == .estimator)
        }
        #expect(CheckpointLayout.detect(modelDirectory: FixtureLibrary.path("frameworks/keras/weights_h5")).layout == nil,
                "Keras needs the file names")
    }

    @Test("a finder skips unfinished checkpoints and says so when asked for one")
    func unfinishedCheckpoints() throws {
        let directory = TemporaryDirectory("layout")
        for step in [5, 10] {
            try FileOperations.makeDirectories(directory.join("checkpoint-\(step)"))
            try writeFile(directory.join("checkpoint-\(step)/model.safetensors"), "w")
        }
        try writeFile(directory.join("checkpoint-5/trainer_state.json"), "{}")
        try FileOperations.makeDirectories(directory.join("tmp-checkpoint-15"))
        let finder = CheckpointLayout.huggingFace.finder(modelDirectory: directory.path)
        #expect(try finder.survivingCheckpoints().map(\.globalStep) == [5])
        #expect(try finder.latestCheckpoint().globalStep == 5)
        #expect(try finder.checkpoint(forStep: 5).format == .directory)
        #expect {
            _ = try finder.checkpoint(forStep: 10)
        } throws: { error in
            guard case .incompleteCheckpoint(_, let missing) = error as? ExportError else { return false }
            return missing == ["trainer_state.json"]
        }
        #expect {
            _ = try finder.checkpoint(forStep: 15)
        } throws: { error in
            guard case .checkpointDeleted(15, _, let nearest) = error as? ExportError else { return false }
            return nearest.map(\.globalStep) == [5]
        }
    }

    @Test("defect 5: a checkpoint path that already holds the model directory is not joined onto it again")
    func checkpointPathWithModelDirectory() throws {
        let directory = TemporaryDirectory("defect5")
        let model = directory.join("apitest")
        try FileOperations.makeDirectories(model)
        try writeFakeCheckpoint(modelDirectory: model, step: 25)
        let locator = CheckpointLocator(modelDirectory: model)
        // As a training loop passes it, relative to the working directory.
        let relative = FilePaths.join(model, "model.ckpt-25")
        #expect(try locator.checkpoint(atPath: relative).prefix == relative)
        // A deleted one is reported as missing files, not as a failed listing of model/model.
        #expect {
            _ = try locator.checkpoint(atPath: FilePaths.join(model, "model.ckpt-50"))
        } throws: { error in
            guard case .incompleteCheckpoint(let prefix, _) = error as? ExportError else { return false }
            return prefix == FilePaths.join(model, "model.ckpt-50") && !prefix.contains("apitest/apitest")
        }
    }

    @Test("retention: best-K ∪ last-N ∪ every Kth step, nothing without a manifest deleted")
    func unionRetention() throws {
        let directory = TemporaryDirectory("retention")
        let exportPath = directory.join("export/best")
        try FileOperations.makeDirectories(exportPath)
        // Exports of steps 10…80 with losses; 1_700_000_0NN seconds.
        let losses: [Double] = [0.9, 0.5, 0.7, 0.4, 0.8, 0.6, 0.95, 0.85]
        for (index, loss) in losses.enumerated() {
            let path = FilePaths.join(exportPath, "\(1_700_000_010 + index)")
            try FileOperations.makeDirectories(path)
            let result = EvalResult(globalStep: Int64(10 * (index + 1)), metrics: ["loss": loss])
            try ExportManifest(exporterName: "best", evalResult: result, checkpointPath: "x", modelWriter: "t")
                .write(into: path, asText: false, fileSystem: POSIXFileSystem())
        }
        try FileOperations.makeDirectories(FilePaths.join(exportPath, "1700000099"))  // TensorFlow's: no manifest
        let collector = ExportGarbageCollector(retention: .union(best: 2, newest: 2, every: 30, .smaller("loss")))
        let report = collector.collect(exportPath: exportPath)
        #expect(report.failures.isEmpty)
        let kept = exportVersions(exportPath)
        // best 2: steps 40 (0.4), 20 (0.5); newest 2: 70, 80; multiples of 30: 30, 60; the unranked one stays.
        let expected = [20, 30, 40, 60, 70, 80].map { "\(1_700_000_010 + $0 / 10 - 1)" } + ["1700000099"]
        #expect(kept == expected.sorted(), "\(kept)")
    }

    @Test("Orbax's tie rule holds when the tied evaluations are in different files or in ranges read side by side")
    func latestTieAcrossParts() throws {
        let directory = TemporaryDirectory("ties")
        let training = SimulatedTraining(modelDirectory: directory.path, clock: FakeClock())
        for step in stride(from: Int64(10), through: 400, by: 10) {
            // 0.9 at steps 10 and 400, lower everywhere else; file boundary at step 200.
            try training.evaluate(step: step, ["accuracy": step == 10 || step == 400 ? 0.9 : 0.5], checkpoint: false)
            if step == 200 { try training.restart() }
        }
        try training.close()
        let files = EvalRecovery.eventFiles(modelDirectory: directory.path, pattern: "eval/*.tfevents.*")
        #expect(files.count == 2)
        var latest = BestTracker.Options()
        latest.tiesGoToLatest = true
        for (jobs, rangeBytes) in [(1, nil), (2, nil), (2, 512)] as [(Int, Int?)] {
            let last = try EvalRecovery.recover(files: files, comparison: .larger("accuracy"), options: latest,
                                                jobs: jobs, rangeBytes: rangeBytes)
            #expect(last.best?.globalStep == 400, "jobs \(jobs), ranges \(String(describing: rangeBytes))")
            let first = try EvalRecovery.recover(files: files, comparison: .larger("accuracy"), jobs: jobs, rangeBytes: rangeBytes)
            #expect(first.best?.globalStep == 10, "jobs \(jobs), ranges \(String(describing: rangeBytes))")
        }
    }

    @Test("--min-delta and --initial-threshold: what BestExporter exports")
    func minDeltaAndThreshold() throws {
        let directory = TemporaryDirectory("delta")
        let clock = FakeClock()
        var options = BestExporter.Options()
        options.minDelta = 0.05
        options.initialThreshold = 0.8
        options.clock = clock
        var exporter = try BestExporter(name: "best", eventFilePattern: nil, exportsToKeep: nil, options: options)
        let model = ModelDirectory(directory.path)
        var exported: [Int64] = []
        for (step, loss) in [(1, 0.9), (2, 0.7), (3, 0.68), (4, 0.6), (5, 0.6), (6, 0.5)] as [(Int64, Double)] {
            try writeFakeCheckpoint(modelDirectory: directory.path, step: step, keep: 10)
            let outcome = try exporter.considerExport(model: model, exportPath: model.exportPath(for: "best"),
                                                      evalResult: EvalResult(globalStep: step, metrics: ["loss": loss]))
            clock.now += 10
            if outcome.exported { exported.append(step) }
            switch step {
            case 1: #expect(outcome.description.contains("initial threshold 0.8"), "\(outcome)")
            case 3: #expect(outcome.description.contains("minimum improvement"), "\(outcome)")
            default: break
            }
        }
        // 0.9 is above the threshold; 0.68 improves 0.7 by less than 0.05; 0.6 twice: the tie is not better.
        #expect(exported == [2, 4, 6])
    }
}
