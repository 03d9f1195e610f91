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

@Suite("tfevents best and export")
struct BestExportCommandTests {
    @Test("best: the real BestExporter's answer on the estimator fixtures, text and JSON")
    func bestOnFixtures() throws {
        let loss = try CLIRunner.run(["best", CLIRunner.fixture("estimator/loss_best"), "--format", "json"])
        #expect(loss.status == 0, "\(loss.stderr)")
        let path = CLIRunner.fixture("estimator/loss_best")
        #expect(loss.stdout == """
            {"global_step":225,"metrics":{"accuracy":0.890625,"accuracy_baseline":0.53125,"auc":0.9651960134506226,\
            "auc_precision_recall":0.9612174034118652,"average_loss":0.253292977809906,"label/mean":0.46875,\
            "loss":0.253292977809906,"precision":0.8965517282485962,"prediction/mean":0.4565725028514862,\
            "recall":0.8666666746139526},"event_file":"\(path)/eval/events.out.tfevents.1795438156.vm",\
            "checkpoint":"\(path)/model.ckpt-225","skipped":0}

            """)
        let accuracy = try CLIRunner.run(["best", CLIRunner.fixture("estimator/accuracy_best"), "--metric", "accuracy",
                                          "--higher-is-better", "--format", "json"])
        #expect(accuracy.status == 0)
        #expect(accuracy.stdout.hasPrefix("{\"global_step\":75,"))
        #expect(accuracy.stdout.contains("\"checkpoint\":null"))
        #expect(accuracy.stderr.contains("the checkpoint of global step 75 no longer exists"))
        #expect(accuracy.stderr.contains("model.ckpt-200 (step 200)"))

        let text = try CLIRunner.run(["best", CLIRunner.fixture("estimator/loss_best")])
        #expect(text.stdout.hasPrefix("best evaluation: global step 225, loss = 0.253292977809906 (loss smaller)\n"))
        #expect(text.stdout.contains("  recall                0.8666666746139526\n"))
    }

    @Test("best: exit 3 without evaluations, --pattern, --eval-name, usage errors")
    func bestStatuses() throws {
        let noLoss = try CLIRunner.run(["best", CLIRunner.fixture("tf1/edge_no_loss"), "--pattern", "*.tfevents.*"])
        #expect(noLoss.status == 3)
        #expect(noLoss.stderr.contains("none of the 2 evaluations has a usable \"loss\""))
        let accuracy = try CLIRunner.run(["best", CLIRunner.fixture("tf1/edge_no_loss"), "--pattern", "*.tfevents.*",
                                          "--metric", "accuracy", "--higher-is-better", "--format", "json"])
        #expect(accuracy.status == 0)
        #expect(accuracy.stdout.contains("\"global_step\":2,\"metrics\":{\"accuracy\":0.800000011920929}"))
        let strict = try CLIRunner.run(["best", CLIRunner.fixture("tf1/edge_no_loss"), "--pattern", "*.tfevents.*", "--strict"])
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("best_eval_result cannot be empty or no loss is found in it."))

        let named = ModelDirectoryFixture(evalName: "holdout")
        try named.evaluate(step: 10, ["loss": 0.5])
        try named.evaluate(step: 20, ["loss": 0.25, "bleu": 30])
        let missed = try CLIRunner.run(["best", named.path])
        #expect(missed.status == 3)
        #expect(missed.stderr.contains("use --eval-name"))
        let found = try CLIRunner.run(["best", named.path, "--eval-name", "holdout", "--metric", "bleu",
                                       "--higher-is-better", "--format", "json"])
        #expect(found.status == 0)
        #expect(found.stdout.contains("\"global_step\":20"))
        #expect(found.stdout.hasSuffix("\"checkpoint\":\"\(named.path)/model.ckpt-20\",\"skipped\":1}\n"))

        #expect(try CLIRunner.run(["best", named.path, "--pattern", "x", "--eval-name", "y"]).status == 2)
        #expect(try CLIRunner.run(["best", named.path, "--higher-is-better"]).status == 2)
    }

    @Test("export: restores the best of a real model directory, then declines the worse newest evaluation")
    func exportOnFixtureCopy() throws {
        let model = try ModelDirectoryFixture.copy(of: "estimator/loss_best")
        // The real exports have no manifest; the step saved in their variables
        // shows that one holds the best, so nothing is exported.
        let first = try CLIRunner.run(["export", model.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("not exported (step 250): worse than the best in the event files (step 225),"
            + " which is exported in \(model.exportPath)/1795438164"), "\(first.stdout)")
        #expect(model.exports == ["1795438159", "1795438160", "1795438164"])

        // Without exports: the best's checkpoint (225) is exported.
        try FileManager.default.removeItem(atPath: model.exportPath)
        let restored = try CLIRunner.run(["export", model.path, "--format", "json"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.hasPrefix("{\"exported\":true,\"export_dir\":\"\(model.exportPath)/"))
        #expect(restored.stdout.contains("\"global_step\":225,"))
        #expect(restored.stdout.contains("\"checkpoint\":\"\(model.path)/model.ckpt-225\""))
        #expect(model.exports.count == 1)
        let variables = model.exportPath + "/" + model.exports[0] + "/variables"
        #expect(try FileManager.default.contentsOfDirectory(atPath: variables).sorted()
                == ["variables.data-00000-of-00001", "variables.index"])

        let again = try CLIRunner.run(["export", model.path])
        #expect(again.stdout.hasPrefix("not exported (step 250): worse than the best in the event files (step 225), which is exported in"))
        // TensorFlow's rule exports the worse one.
        let tensorFlow = try CLIRunner.run(["export", model.path, "--tensorflow-restart", "--format", "json"])
        #expect(tensorFlow.stdout.contains("\"exported\":true"))
        #expect(tensorFlow.stdout.contains("\"global_step\":250,"))
    }

    @Test("export: keep, keep-best, assets-extra, as-text, command")
    func exportOptions() throws {
        let model = ModelDirectoryFixture()
        try Data("words\n".utf8).write(to: URL(fileURLWithPath: model.path + "/vocab.txt"))
        let command = "cp {checkpoint}.index {export_dir}/from_command.index && echo {as_text} > {export_dir}/as_text"
        var directories: [String] = []
        for (step, auc) in [(Int64(1), Float(0.6)), (2, 0.8), (3, 0.7), (4, 0.9)] {
            try model.evaluate(step: step, ["auc": auc, "loss": 1])
            let result = try CLIRunner.run(["export", model.path, "--metric", "auc", "--higher-is-better", "--keep", "2",
                                            "--keep-best", "--assets-extra", "vocab/words.txt=\(model.path)/vocab.txt",
                                            "--as-text", "--command", command])
            #expect(result.status == 0, "\(result.stderr)")
            let line = result.stdout.trimmingCharacters(in: .newlines)
            if step == 3 {
                #expect(line.hasPrefix("not exported (step 3)"))
            } else {
                #expect(line.hasPrefix(model.exportPath + "/"))
                directories.append(line)
            }
            // Two exports within one second: the second waits for the next second's name.
        }
        #expect(directories.count == 3)
        // Kept: the two best (auc 0.8 and 0.9).
        #expect(model.exports == directories.suffix(2).map { ($0 as NSString).lastPathComponent })
        let last = directories.last!
        #expect(try String(contentsOfFile: last + "/from_command.index", encoding: .utf8) == "index 4\n")
        #expect(try String(contentsOfFile: last + "/as_text", encoding: .utf8) == "true\n")
        #expect(try String(contentsOfFile: last + "/assets.extra/vocab/words.txt", encoding: .utf8) == "words\n")
        let manifest = try String(contentsOfFile: last + "/export_manifest.pbtxt", encoding: .utf8)
        #expect(manifest.hasPrefix("exporter_name: \"best_exporter\"\nglobal_step: 4\n"))
        #expect(manifest.contains("model_writer: \"command\""))

        // A failing command: exit 4, nothing left behind.
        try model.evaluate(step: 5, ["auc": 0.95, "loss": 1])
        let failing = try CLIRunner.run(["export", model.path, "--metric", "auc", "--higher-is-better",
                                         "--command", "echo cannot write >&2; exit 7"])
        #expect(failing.status == 4)
        #expect(failing.stderr.contains("exited with status 7"))
        #expect(failing.stderr.contains("cannot write"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: model.exportPath).filter { $0.hasPrefix("temp-") }.isEmpty)
    }

    @Test("export: a held lock is exit 4, naming the holder")
    func exportLocked() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 1, ["loss": 1])
        let lock = try ExportLock(exportPath: model.exportPath)
        let result = try CLIRunner.run(["export", model.path])
        #expect(result.status == 4)
        #expect(result.stderr.contains("process \(getpid()) holds the export lock"))
        lock.release()
        #expect(try CLIRunner.run(["export", model.path]).status == 0)
    }

    @Test("the exporters' own files are not event files: scan of a model directory after an export reads only event files")
    func lockFileIsNotAnEventFile() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 1, ["loss": 1])
        #expect(try CLIRunner.run(["export", model.path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: model.exportPath + "/.tfevents-export.lock"))
        let scan = try CLIRunner.run(["scan", model.path])
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(!scan.stdout.contains(".tfevents-export") && scan.stdout.contains("total (1 files)"), "\(scan.stdout)")
        #expect(!EventFileDiscovery.isEventFileName(".tfevents-export-pending"))
        #expect(EventFileDiscovery.isEventFileName("events.out.tfevents.1700000000.host"))
    }

    @Test("export --latest and --final: TensorFlow's LatestExporter and FinalExporter from the command line")
    func latestAndFinal() throws {
        let model = try ModelDirectoryFixture.copy(of: "estimator/loss_best")
        // The newest evaluation (step 250) is worse than 225, and exported anyway.
        let first = try CLIRunner.run(["export", model.path, "--latest"])
        #expect(first.status == 0 && first.stdout.hasPrefix(model.path + "/export/latest_exporter/"), "\(first.stderr)")
        let second = try CLIRunner.run(["export", model.path, "--latest", "--keep", "1", "--format", "json"])
        #expect(second.stdout.contains("\"global_step\":250,") && second.stdout.contains("\"removed\":[\"\(first.stdout.trimmingCharacters(in: .newlines))\"]"),
                "\(second.stdout)")
        let latest = try FileManager.default.contentsOfDirectory(atPath: model.path + "/export/latest_exporter")
        #expect(latest.filter { $0.count == 10 }.count == 1)

        let final = try CLIRunner.run(["export", model.path, "--final", "--as-text"])
        #expect(final.status == 0, "\(final.stderr)")
        let directory = final.stdout.trimmingCharacters(in: .newlines)
        #expect(directory.hasPrefix(model.path + "/export/final_exporter/"))
        let manifest = try String(contentsOfFile: directory + "/export_manifest.pbtxt", encoding: .utf8)
        #expect(manifest.contains("global_step: 250\n") && manifest.contains("is_final_export: true\n"), "\(manifest)")
        #expect(model.exports == ["1795438159", "1795438160", "1795438164"], "the best exporter's directory is untouched")
        #expect(try CLIRunner.run(["export", model.path, "--latest", "--final"]).status == 2)
    }

    @Test("after each export, best.json and the best link point at it, replaced in one step")
    func bestPointer() throws {
        let model = try ModelDirectoryFixture.copy(of: "estimator/loss_best")
        try FileManager.default.removeItem(atPath: model.exportPath)
        let result = try CLIRunner.run(["export", model.path])
        #expect(result.status == 0, "\(result.stderr)")
        let directory = result.stdout.trimmingCharacters(in: .newlines)
        let pointer = try String(contentsOfFile: model.exportPath + "/best.json", encoding: .utf8)
        #expect(pointer.hasPrefix("{\"global_step\":225,\"metrics\":{\"accuracy\":") && pointer.hasSuffix("}\n"), "\(pointer)")
        #expect(pointer.contains("\"export_dir\":\"\(directory)\""), "\(pointer)")
        let version = (directory as NSString).lastPathComponent
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: model.exportPath + "/best") == version)
        // Not exports: neither listed nor collected.
        #expect(model.exports == [version])
        let again = try CLIRunner.run(["export", model.path, "--tensorflow-restart", "--keep", "1"])
        let newer = (again.stdout.trimmingCharacters(in: .newlines) as NSString).lastPathComponent
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: model.exportPath + "/best") == newer)
        #expect(model.exports == [newer])
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: model.exportPath)).contains { $0.contains(".tmp-") || $0.contains(".link-") })
    }
}
