import Foundation
import Testing
import TFEventsTestSupport

/// Defects of `best`, `export` and `watch` found by trying them as a new
/// user would (the framework-layouts issue lists them), each now a test.
@Suite("export, watch and best: mistyped directories and misbehaving commands")
struct ExportDefectTests {
    @Test("a missing or non-directory MODEL_DIR is exit 2, one message, and nothing is created")
    func missingModelDirectory() throws {
        let scratch = ScratchDirectory()
        let missing = scratch.path + "/no/such/model"
        try Data("x".utf8).write(to: URL(fileURLWithPath: scratch.path + "/file"))
        for command in [["best"], ["export"], ["watch", "--interval", "0.1"]] {
            let result = try CLIRunner.run(command + [missing], environment: ["XDG_CACHE_HOME": scratch.path + "/cache"],
                                           timeout: 30)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr == "tfevents: \(missing): no such model directory\n", "\(command): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/no"), "\(command) created the directory")
            let file = try CLIRunner.run(command + [scratch.path + "/file"], timeout: 30)
            #expect(file.status == 2 && file.stderr.contains("not a directory"), "\(command): \(file.stderr)")
        }
    }

    @Test("--command-timeout ends the command and everything it started, not only /bin/sh")
    func timeoutKillsTheGroup() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 1, ["loss": 1])
        let scratch = ScratchDirectory()
        let late = scratch.path + "/late"
        let started = Date()
        let result = try CLIRunner.run(["export", model.path, "--command-timeout", "1",
                                        "--command", "(sleep 2; touch '\(late)') & sleep 30"], timeout: 60)
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.contains("ran longer than 1"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "the export waited for the command's children")
        Thread.sleep(forTimeInterval: 2.5)
        #expect(!FileManager.default.fileExists(atPath: late), "a child of the command outlived the timeout")
        #expect(model.exports.isEmpty)
    }

    @Test("a command that exits 0 without writing a model fails the export; nothing but complete exports is left")
    func commandWroteNothing() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 1, ["loss": 1])
        let empty = try CLIRunner.run(["export", model.path, "--command", "true"], timeout: 60)
        #expect(empty.status == 4, "\(empty.stderr)")
        #expect(empty.stderr.contains("command `true` exited 0 but wrote nothing into {export_dir}"), "\(empty.stderr)")
        let halfSavedModel = try CLIRunner.run(["export", model.path, "--command", "mkdir {export_dir}/variables"], timeout: 60)
        #expect(halfSavedModel.status == 4, "\(halfSavedModel.stderr)")
        #expect(halfSavedModel.stderr.contains("no saved_model.pb"), "\(halfSavedModel.stderr)")
        #expect(model.exports.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: model.exportPath).filter { $0.hasPrefix("temp-") }.isEmpty)
        let real = try CLIRunner.run(["export", model.path, "--command", "echo graph > {export_dir}/saved_model.pb"], timeout: 60)
        #expect(real.status == 0, "\(real.stderr)")
        #expect(model.exports.count == 1)
    }

    @Test("the manifest names the checkpoint relative to the model directory, whatever the working directory was")
    func manifestCheckpointPath() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 1, ["loss": 1])
        let parent = URL(fileURLWithPath: model.path).deletingLastPathComponent()
        let name = URL(fileURLWithPath: model.path).lastPathComponent
        let result = try CLIRunner.run(["export", name, "--as-text"], currentDirectory: parent, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let export = try #require(model.exports.first)
        let manifest = try String(contentsOfFile: model.exportPath + "/" + export + "/export_manifest.pbtxt", encoding: .utf8)
        #expect(manifest.contains("checkpoint_path: \"model.ckpt-1\"\n"), "\(manifest)")
    }

    @Test("exports TensorFlow wrote are judged by the step saved in them, not guessed at")
    func tensorFlowExportsByStep() throws {
        // The accuracy run's exports hold steps chosen by accuracy; by loss
        // the best is step 225, which none of them holds, and its
        // checkpoint exists: it is exported (it used to be "may hold").
        let model = try ModelDirectoryFixture.copy(of: "estimator/accuracy_best")
        let result = try CLIRunner.run(["export", model.path, "--format", "json"], timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("{\"exported\":true,") && result.stdout.contains("\"global_step\":225,"), "\(result.stdout)")
        #expect(!result.stdout.contains("may hold"))
    }

    @Test("exports lists every export with its step: from the manifest, or saved in a TensorFlow export's variables")
    func exportsListing() throws {
        let model = try ModelDirectoryFixture.copy(of: "estimator/loss_best")
        let tensorFlow = try CLIRunner.run(["exports", model.path], timeout: 60)
        #expect(tensorFlow.status == 0, "\(tensorFlow.stderr)")
        let rows = tensorFlow.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.map { $0[1] } == ["1795438159", "1795438160", "1795438164"])
        #expect(rows.map { $0[3] } == ["100", "125", "225"] && rows.allSatisfy { $0[4] == "saved_model" && $0[5] == "-" })
        #expect(rows.first?[2] == "2026-11-23 12:49:19 UTC")

        let made = try CLIRunner.run(["export", model.path, "--tensorflow-restart"], timeout: 60)
        #expect(made.status == 0, "\(made.stderr)")
        let listed = try CLIRunner.run(["exports", model.path, "--format", "jsonl"], timeout: 60)
        let last = try #require(listed.stdout.split(separator: "\n").last.map(String.init))
        #expect(last.contains("\"global_step\":250,\"step_from\":\"manifest\",\"metrics\":{\"accuracy\":"), "\(last)")
        #expect(last.contains("\"checkpoint\":\"model.ckpt-250\""), "\(last)")
        #expect(try CLIRunner.run(["exports", model.path + "/nope"], timeout: 60).status == 2)
    }
}
