import Foundation
import Testing
import TFEventsTestSupport

/// The SavedModel scripts in `docs/examples/`, used as the README shows:
/// as the `--command` of `tfevents export`, with real TensorFlow
/// (`Tests/Examples/setup-tensorflow.sh` installs it; the README's test
/// command and CI source that script). Each export is then served through
/// its signature and compared with the checkpoint's own model
/// (`Tests/Examples/verify_savedmodel.py`).
@Suite("docs/examples: the SavedModel scripts as export commands, served and compared with TensorFlow")
struct ExampleScriptTests {
    static let python = ProcessInfo.processInfo.environment["TFEVENTS_TENSORFLOW_PYTHON"]
    static let required = ProcessInfo.processInfo.environment["TFEVENTS_REQUIRE_TENSORFLOW"] == "1"

    /// Runs a program and returns its status and the end of its output.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = CLIRunner.packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data.suffix(4000), as: UTF8.self))
    }

    static func script(_ name: String) -> String { CLIRunner.packageRoot.appendingPathComponent("docs/examples/" + name).path }
    static var verifier: String { CLIRunner.packageRoot.appendingPathComponent("Tests/Examples/verify_savedmodel.py").path }

    /// Runs `tfevents export ... --format json` (exit 0 expected); its outcome and export directory.
    static func export(_ arguments: [String]) throws -> (json: [String: Any], directory: String) {
        let result = try CLIRunner.run(["export", "--format", "json"] + arguments, timeout: 300)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (json, try #require(json["export_dir"] as? String, "\(result.stdout)"))
    }

    /// Serves the export and compares it with `right`'s model (must agree) and
    /// `wrong`'s (must not: the check can fail).
    static func expectServes(_ python: String, _ kind: String, _ directory: String, right: String, wrong: String,
                             extra: [String] = []) throws {
        let verified = try run(python, [verifier, kind, directory, right] + extra)
        #expect(verified.status == 0, "\(verified.output)")
        let other = try run(python, [verifier, kind, directory, wrong] + extra)
        #expect(other.status != 0, "\(other.output)")
    }

    @Test("estimator_to_savedmodel.py: an Estimator checkpoint becomes a SavedModel that serves the checkpoint's logits",
          .enabled(if: python != nil || required))
    func estimatorScript() throws {
        let python = try #require(Self.python, "TFEVENTS_TENSORFLOW_PYTHON is not set (Tests/Examples/setup-tensorflow.sh)")
        let scratch = ScratchDirectory()
        let model = scratch.path + "/loss_best"
        try FileManager.default.copyItem(atPath: CLIRunner.fixture("estimator/loss_best"), toPath: model)
        try FileManager.default.removeItem(atPath: model + "/export")
        let command = "\(python) \(Self.script("estimator_to_savedmodel.py")) --checkpoint {checkpoint} --export-dir {export_dir} "
            + "--as-text {as_text} --input features=IteratorGetNext:0 --output logits=dnn/logits/BiasAdd:0"
        let (json, exportDirectory) = try Self.export([model, "--command", command])
        #expect(json["global_step"] as? Int == 225)
        #expect(FileManager.default.fileExists(atPath: exportDirectory + "/saved_model.pb"))
        try Self.expectServes(python, "estimator", exportDirectory, right: model + "/model.ckpt-225",
                              wrong: model + "/model.ckpt-200", extra: ["IteratorGetNext:0", "dnn/logits/BiasAdd:0"])

        // A script that fails (a tensor that is not in the graph) fails the export and leaves nothing.
        let broken = try CLIRunner.run(["export", model, "--name", "broken", "--command",
                                        command.replacingOccurrences(of: "dnn/logits/BiasAdd:0", with: "no/such:0")],
                                       timeout: 300)
        #expect(broken.status == 4, "\(broken.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: model + "/export/broken")) ?? []
        #expect(left.allSatisfy { !$0.hasPrefix("temp-") && $0.count != 10 }, "\(left)")
    }

    @Test("keras_to_savedmodel.py: the Keras layout's best .keras checkpoint becomes a SavedModel serving the same predictions",
          .enabled(if: python != nil || required))
    func kerasScript() throws {
        let python = try #require(Self.python, "TFEVENTS_TENSORFLOW_PYTHON is not set (Tests/Examples/setup-tensorflow.sh)")
        let scratch = ScratchDirectory()
        let model = scratch.path + "/keras_tie"
        try FileManager.default.copyItem(atPath: CLIRunner.fixture("frameworks/keras/keras_tie"), toPath: model)
        let command = "\(python) \(Self.script("keras_to_savedmodel.py")) --checkpoint {checkpoint} --export-dir {export_dir}"
        let (_, exportDirectory) = try Self.export([model, "--checkpoint", "ckpt/model-{epoch:02d}.keras", "--command", command])
        try Self.expectServes(python, "keras", exportDirectory, right: model + "/ckpt/model-03.keras",
                              wrong: model + "/ckpt/model-01.keras")
    }
}
