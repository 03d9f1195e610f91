import Foundation
import Testing
import TFEventsTestSupport

/// `best` and `export` on runs made by the real frameworks
/// (`Fixtures/frameworks/`, made by the generator scripts there): the
/// checkpoint named is the one the framework itself recorded as its best.
@Suite("best and export on Hugging Face, Lightning, Keras and Orbax runs")
struct FrameworkLayoutCommandTests {
    /// One fixture case and what its framework reported.
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var folder: String
        /// `model_dir` in expected.json, relative to the folder.
        var modelRelative: String
        var metric: String
        var higherIsBetter: Bool
        var frameworkBest: String
        var checkpointTemplate: String?
        /// The metric value the framework recorded for its best checkpoint.
        var frameworkBestMetric: Double?
        /// Every evaluation's (step, value) as the framework's own reader read it back.
        var evaluations: [(step: Int64, value: Double)]

        init(name: String, folder: String, expected: [String: Any]) {
            self.name = name
            self.folder = folder
            modelRelative = expected["model_dir"] as? String ?? "."
            metric = expected["metric_tag"] as? String ?? ""
            higherIsBetter = expected["mode"] as? String == "max"
            frameworkBest = expected["framework_best_checkpoint"] as? String ?? ""
            checkpointTemplate = expected["checkpoint_template"] as? String
            frameworkBestMetric = (expected["framework_best_metric"] as? NSNumber)?.doubleValue
            evaluations = (expected["evaluations"] as? [[String: Any]] ?? []).compactMap { item in
                guard let step = (item["step"] as? NSNumber)?.int64Value, let value = (item["value"] as? NSNumber)?.doubleValue
                else { return nil }
                return (step, value)
            }
        }

        var modelDirectory: String { folder + "/" + modelRelative }
        var preset: String { String(name.split(separator: "/")[0]) }

        /// What the user passes to say where checkpoints are, as they gave it to the framework.
        var checkpointArguments: [String] { checkpointTemplate.map { ["--checkpoint", $0] } ?? [] }

        var arguments: [String] {
            [modelDirectory, "--metric", metric] + (higherIsBetter ? ["--higher-is-better"] : []) + checkpointArguments
        }

        var description: String { name }
    }

    /// Where tfevents deliberately names another checkpoint than the
    /// framework, and why (README, "Lightning").
    static let documentedDifferences: [String: (checkpoint: String, why: String)] = [
        "lightning/every_n_steps": (
            "checkpoints/epoch=1-step=6.ckpt",
            """
            every_n_train_steps=3 with a validation every 2 batches: Lightning saves step=6 before the \
            validation of that batch runs (logged at step 5, the lowest val_loss), so it files step=6 \
            under the stale value of step 3 and later calls step=9 its best, whose weights no validation \
            ever saw. step=6 holds exactly the weights the best validation evaluated.
            """),
    ]

    static var cases: [Case] {
        let root = CLIRunner.fixture("frameworks")
        var found: [Case] = []
        for framework in ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let frameworkDir = root + "/" + framework
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: frameworkDir)) ?? []).sorted() {
                let folder = frameworkDir + "/" + name
                guard let data = FileManager.default.contents(atPath: folder + "/expected.json"),
                      let expected = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
                found.append(Case(name: framework + "/" + name, folder: folder, expected: expected))
            }
        }
        return found
    }

    @Test("every framework's fixtures are there")
    func fixturesPresent() {
        let presets = Set(Self.cases.map(\.preset))
        #expect(presets == ["huggingface", "keras", "lightning", "orbax"], "\(presets)")
        #expect(Self.cases.count >= 9)
    }

    @Test("best names the checkpoint the framework chose, ties included", arguments: cases)
    func bestAgreesWithFramework(_ fixture: Case) throws {
        let result = try CLIRunner.run(["best", "--format", "json"] + fixture.arguments, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let checkpoint = try #require(json["checkpoint"] as? String, "no checkpoint: \(result.stdout) \(result.stderr)")
        let root = URL(fileURLWithPath: fixture.modelDirectory).standardizedFileURL.path + "/"
        let relative = URL(fileURLWithPath: checkpoint).standardizedFileURL.path.replacingOccurrences(of: root, with: "")
        let expected = Self.documentedDifferences[fixture.name]?.checkpoint ?? fixture.frameworkBest
        #expect(relative == expected, "\(fixture): tfevents chose \(relative), the framework \(fixture.frameworkBest)")
        // The layout was recognised, and said so.
        #expect(result.stderr.contains("layout: \(fixture.preset)"), "\(result.stderr)")

        // The value is the one the framework's reader read at that step, and
        // the one the framework kept for its best (a Python float, logged as float32).
        let metrics = try #require(json["metrics"] as? [String: Any])
        let value = try #require((metrics[fixture.metric] as? NSNumber)?.doubleValue)
        let step = try #require((json["global_step"] as? NSNumber)?.int64Value)
        #expect(fixture.evaluations.contains { $0.step == step && $0.value.bitPattern == value.bitPattern }, "\(fixture): \(step) \(value)")
        if Self.documentedDifferences[fixture.name] == nil, let kept = fixture.frameworkBestMetric {
            #expect(Float(value) == Float(kept), "\(fixture): \(value) vs the framework's \(kept)")
        }
    }

    @Test("export links the framework's whole checkpoint (file or tree) and the manifest names the layout",
          arguments: cases)
    func exportCopiesTheCheckpoint(_ fixture: Case) throws {
        let scratch = ScratchDirectory()
        let copy = scratch.path + "/run"
        try FileManager.default.copyItem(atPath: fixture.folder, toPath: copy)
        let model = copy + "/" + fixture.modelRelative
        var arguments = fixture.arguments
        arguments[0] = model
        let result = try CLIRunner.run(["export", "--format", "json"] + arguments,
                                       environment: ["XDG_CACHE_HOME": scratch.path + "/cache"], timeout: 60)
        #expect(result.status == 0, "\(fixture): \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let exportDirectory = try #require(json["export_dir"] as? String, "\(fixture): nothing exported: \(result.stdout)")
        let expected = Self.documentedDifferences[fixture.name]?.checkpoint ?? fixture.frameworkBest
        let source = model + "/" + expected
        let name = URL(fileURLWithPath: expected).lastPathComponent
        let target = exportDirectory + "/" + name
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), "\(fixture): \(target) missing")
        // Every file is there, byte for byte, and hard-linked (same inode).
        let files: [String]
        if isDirectory.boolValue {
            files = (FileManager.default.enumerator(atPath: source)?.allObjects as? [String] ?? []).filter { relative in
                var directory: ObjCBool = false
                return FileManager.default.fileExists(atPath: source + "/" + relative, isDirectory: &directory) && !directory.boolValue
            }
        } else {
            files = [""]
        }
        #expect(!files.isEmpty)
        for relative in files {
            let a = relative.isEmpty ? source : source + "/" + relative
            let b = relative.isEmpty ? target : target + "/" + relative
            #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b), "\(b)")
            let inodeA = try FileManager.default.attributesOfItem(atPath: a)[.systemFileNumber] as? Int
            let inodeB = try FileManager.default.attributesOfItem(atPath: b)[.systemFileNumber] as? Int
            #expect(inodeA == inodeB, "\(b) is not a hard link of \(a)")
        }
        let manifest = try #require(FileManager.default.contents(atPath: exportDirectory + "/export_manifest.pb"))
        #expect(manifest.range(of: Data(fixture.preset.utf8)) != nil, "the manifest does not name the layout")
        #expect(manifest.range(of: Data(expected.utf8)) != nil, "the manifest does not name \(expected)")
        // And the export listing reads it back.
        let listing = try CLIRunner.run(["exports", model, "--format", "json"], timeout: 60)
        #expect(listing.status == 0 && listing.stdout.contains(name), "\(listing.stdout) \(listing.stderr)")
    }

    /// Replays a fixture's run into a fresh directory, one evaluation at a
    /// time, as the framework wrote it: the eval event, then its checkpoint
    /// (Hugging Face and Orbax log before they save). Checkpoints the
    /// framework's rotation deleted afterwards are stand-ins: copies of a
    /// surviving one under the deleted name (the retention policy looks at
    /// names and metrics, not weights). Returns the kept export steps.
    static func replayUnderWatch(_ fixture: Case, checkpointName: (Int64) -> String, extra: [String]) throws -> (steps: [Int64], stderr: String) {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/run"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        let eventFile = try #require(try FileManager.default.subpathsOfDirectory(atPath: fixture.modelDirectory)
            .first { $0.contains("tfevents") && !$0.contains("export") })
        let source = try Array(Data(contentsOf: URL(fileURLWithPath: fixture.modelDirectory + "/" + eventFile)))
        let target = model + "/" + eventFile
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: target, contents: nil)
        // The framework's best survives its rotation: the stand-in for every checkpoint.
        let surviving = fixture.frameworkBest
        let tagField: [UInt8] = [0x0A, UInt8(fixture.metric.utf8.count)] + Array(fixture.metric.utf8)
        let watch = try WatchProcess([model, "--format", "json", "--metric", fixture.metric]
                                     + (fixture.higherIsBetter ? ["--higher-is-better"] : []) + extra)
        var offset = 0
        var evaluation = 0
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        while offset + 12 <= source.count {
            let length = source[offset ..< offset + 8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let end = offset + 12 + length + 4
            let record = source[offset ..< end]
            try handle.write(contentsOf: Data(record))
            if record.firstRange(of: tagField) != nil, evaluation < fixture.evaluations.count {
                Thread.sleep(forTimeInterval: 0.05)
                let name = model + "/" + checkpointName(fixture.evaluations[evaluation].step)
                try FileManager.default.createDirectory(atPath: (name as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: fixture.modelDirectory + "/" + surviving, toPath: name)
                evaluation += 1
                Thread.sleep(forTimeInterval: 0.4)
            }
            offset = end
        }
        try handle.close()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(watch.stop(SIGTERM) == 0, "\(watch.stderr)")
        // The kept exports' steps, as `exports` reads them from the manifests.
        let listing = try CLIRunner.run(["exports", model, "--format", "json"], timeout: 60)
        #expect(listing.status == 0, "\(listing.stderr)")
        let exports = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]])
        let steps = exports.compactMap { ($0["global_step"] as? NSNumber)?.int64Value }
        return (steps.sorted(), watch.stderr)
    }

    @Test("watch replaying a Hugging Face run keeps the best ∪ every 10th step (--keep-top 1 --keep-every 10)")
    func watchReplayRetention() throws {
        let fixture = try #require(Self.cases.first { $0.name == "huggingface/loss" })
        let (steps, stderr) = try Self.replayUnderWatch(fixture, checkpointName: { "checkpoint-\($0)" },
                                                        extra: ["--keep-top", "1", "--keep-every", "10"])
        // Improvements at 5, 10, 15, 20 were exported; the best (20) and the multiples of 10 stay.
        #expect(steps == [10, 20], "\(steps) \(stderr)")
    }

    @Test("watch replaying an Orbax run follows Orbax's tie rule: the later of two equal accuracies is exported")
    func watchReplayOrbaxTie() throws {
        let fixture = try #require(Self.cases.first { $0.name == "orbax/accuracy_tie" })
        let (steps, stderr) = try Self.replayUnderWatch(fixture, checkpointName: { "checkpoints/\($0)" },
                                                        extra: ["--keep-top", "1"])
        #expect(steps == [50], "\(steps) \(stderr)")
    }

    @Test("a layout that cannot be used is exit 2 with one message: Keras without --checkpoint, a template without {step}")
    func unusableLayouts() throws {
        let keras = try #require(Self.cases.first { $0.preset == "keras" })
        let result = try CLIRunner.run(["best", keras.modelDirectory], timeout: 60)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("--checkpoint") && result.stderr.contains("keras"), "\(result.stderr)")
        let noStep = try CLIRunner.run(["best", keras.modelDirectory, "--checkpoint", "ckpt/best.keras"], timeout: 60)
        #expect(noStep.status == 2 && noStep.stderr.contains("{epoch}"), "\(noStep.stderr)")
        let estimator = try CLIRunner.run(["best", keras.modelDirectory, "--layout", "estimator", "--checkpoint", "x{step}"],
                                          timeout: 60)
        #expect(estimator.status == 2, "\(estimator.stderr)")
    }

    @Test("--checkpoint TEMPLATE with --checkpoint-offset for anything else; retention options checked before anything runs")
    func customTemplate() throws {
        let model = ModelDirectoryFixture()
        for (step, loss) in [(100, 0.5), (200, 0.3), (300, 0.4)] as [(Int64, Float)] {
            try model.evaluate(step: step, ["loss": loss])
            try FileManager.default.createDirectory(atPath: model.path + "/weights", withIntermediateDirectories: true)
            try Data("weights \(step)".utf8).write(to: URL(fileURLWithPath: model.path + "/weights/model_\(step + 5).pt"))
        }
        let arguments = [model.path, "--checkpoint", "weights/model_{step}.pt", "--checkpoint-offset", "5"]
        let best = try CLIRunner.run(["best", "--format", "json"] + arguments, timeout: 60)
        #expect(best.status == 0, "\(best.stderr)")
        #expect(best.stdout.contains("\"checkpoint\":\"\(model.path)/weights/model_205.pt\""), "\(best.stdout)")
        #expect(best.stderr.contains("layout: template (weights/model_{step}.pt, name = step + 5)"), "\(best.stderr)")
        let export = try CLIRunner.run(["export", "--format", "json"] + arguments, timeout: 60)
        #expect(export.status == 0, "\(export.stderr)")
        let exported = try #require(model.exports.last)
        #expect(FileManager.default.contents(atPath: model.exportPath + "/" + exported + "/model_205.pt") == Data("weights 200".utf8))
        let pointer = try String(contentsOfFile: model.exportPath + "/best.json", encoding: .utf8)
        #expect(pointer.contains("\"layout\":\"template\"") && pointer.contains("model_205.pt"), "\(pointer)")

        for (bad, message) in [(["--keep-top", "0", "--keep-last", "0"], "would delete every export"),
                               (["--min-delta", "-1"], "--min-delta"), (["--keep-top", "2", "--keep-best"], "replace --keep-best"),
                               (["--keep-every", "0"], "--keep-every")] {
            let refused = try CLIRunner.run(["export", model.path] + bad, timeout: 60)
            #expect(refused.status == 2 && refused.stderr.contains(message), "\(bad): \(refused.stderr)")
        }
        #expect(model.exports.count == 1, "a refused command exported nothing")
    }

    @Test("--layout estimator on an Estimator directory says nothing about layouts (output unchanged)")
    func estimatorIsQuiet() throws {
        let result = try CLIRunner.run(["best", CLIRunner.fixture("estimator/loss_best")], timeout: 60)
        #expect(result.status == 0)
        #expect(!result.stderr.contains("layout"), "\(result.stderr)")
        #expect(result.stdout.contains("model.ckpt-225"))
    }
}
