import Foundation
import Testing
@testable import TFEventsExport
import TFEventsTestSupport
@testable import TFEventsSystem

/// The rule after a restart: never export a model worse than the best export
/// that survives, never delete that export, record every decision.
@Suite("Export: never worse than what survives")
struct ExportRestartRuleTests {
    /// The global steps of the surviving exports, oldest first.
    static func exportedSteps(_ model: ModelDirectoryFixture) throws -> [Int64] {
        try model.exports.map { name in
            try #require(try ExportManifest.read(exportDirectory: model.exportPath + "/" + name)).evalResult.globalStep
        }
    }

    static func deleteCheckpoint(_ model: ModelDirectoryFixture, step: Int64) throws {
        for suffix in [".index", ".data-00000-of-00001"] {
            try FileManager.default.removeItem(atPath: model.path + "/model.ckpt-\(step)" + suffix)
        }
    }

    @Test("the issue's repro: the best's checkpoint is gone; a worse evaluation does not replace the better export")
    func worseAfterLostBest() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        #expect(try CLIRunner.run(["export", model.path, "--keep", "1"]).status == 0)
        try model.evaluate(step: 200, ["loss": 0.2])
        try Self.deleteCheckpoint(model, step: 200)
        try model.evaluate(step: 300, ["loss": 0.3])
        let second = try CLIRunner.run(["export", model.path, "--keep", "1"])
        #expect(second.status == 0, "\(second.stderr)")
        // 300 (0.3) beats the surviving export of 100 (0.5); 200 is lost.
        #expect(try Self.exportedSteps(model) == [300])
        try model.evaluate(step: 400, ["loss": 0.6])
        let third = try CLIRunner.run(["export", model.path, "--keep", "1"])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("not exported (step 400)"), "\(third.stdout)")
        #expect(try Self.exportedSteps(model) == [300])
        // Every decision is in the log, with its reason.
        let log = try String(contentsOfFile: model.exportPath + "/decisions.jsonl", encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.last?.contains("\"global_step\":400") == true && lines.last?.contains("\"exported\":false") == true)
    }

    @Test("an export as good at another step counts: a restart does not export it again")
    func equallyGoodAtAnotherStep() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.3])
        #expect(try CLIRunner.run(["export", model.path]).status == 0)
        try model.evaluate(step: 200, ["loss": 0.3])
        let again = try CLIRunner.run(["export", model.path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already exported"), "\(again.stdout)")
        #expect(try Self.exportedSteps(model) == [100])
    }

    @Test("with the event files gone, a surviving better export still sets the bar")
    func survivorBeatsEmptyLogs() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.1])
        #expect(try CLIRunner.run(["export", model.path]).status == 0)
        // The eval logs are rotated away; training goes on and evaluates worse.
        try model.restart()
        for name in try FileManager.default.contentsOfDirectory(atPath: model.evalDirectory) {
            try FileManager.default.removeItem(atPath: model.evalDirectory + "/" + name)
        }
        try model.evaluate(step: 500, ["loss": 0.4])
        let result = try CLIRunner.run(["export", model.path, "--keep", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("not better than the export"), "\(result.stdout)")
        #expect(try Self.exportedSteps(model) == [100])
        // TensorFlow's rule, asked for, exports anyway.
        let tensorFlow = try CLIRunner.run(["export", model.path, "--keep", "1", "--tensorflow-restart"])
        #expect(tensorFlow.status == 0)
        #expect(try Self.exportedSteps(model) == [500])
    }

    @Test("a run killed between its export and its collection: the next run collects first, keeping the best")
    func collectionOnStart() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        #expect(try CLIRunner.run(["export", model.path, "--keep-all"]).status == 0)
        try model.evaluate(step: 200, ["loss": 0.2])
        #expect(try CLIRunner.run(["export", model.path, "--keep-all"]).status == 0)
        try model.evaluate(step: 300, ["loss": 0.1])
        #expect(try CLIRunner.run(["export", model.path, "--keep-all"]).status == 0)
        #expect(try Self.exportedSteps(model) == [100, 200, 300])
        try model.evaluate(step: 400, ["loss": 0.9])
        let result = try CLIRunner.run(["export", model.path, "--keep", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("removed old export"), "\(result.stderr)")
        #expect(try Self.exportedSteps(model) == [300])
        let log = try String(contentsOfFile: model.exportPath + "/decisions.jsonl", encoding: .utf8)
        #expect(log.contains("\"event\":\"collection on start\""))
    }
}
