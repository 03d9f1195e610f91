import Foundation
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// A model directory for CLI tests: fake checkpoints and eval event files
/// written with the package's encoder and record writer, as Estimator
/// writes them.
final class ModelDirectoryFixture {
    let path: String
    private var writer: RecordWriter?
    private var encoder = EventEncoder()
    private var files = 0
    let evalDirectory: String

    init(evalName: String? = nil) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-cli-model-\(UUID().uuidString)").path
        evalDirectory = path + "/" + (evalName.map { "eval_\($0)" } ?? "eval")
        try? FileManager.default.createDirectory(atPath: evalDirectory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A copy of a fixture model directory.
    static func copy(of fixture: String) throws -> ModelDirectoryFixture {
        let model = ModelDirectoryFixture()
        try FileManager.default.removeItem(atPath: model.path)
        try FileManager.default.copyItem(atPath: CLIRunner.fixture(fixture), toPath: model.path)
        // Fixtures are read-only; the copy must be writable.
        let enumerator = FileManager.default.enumerator(atPath: model.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: model.path)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: model.path + "/" + relative, isDirectory: &isDirectory)
            try FileManager.default.setAttributes([.posixPermissions: isDirectory.boolValue ? 0o755 : 0o644],
                                                  ofItemAtPath: model.path + "/" + relative)
        }
        return model
    }

    /// A new event file, as a restarted process makes.
    func restart() throws {
        try writer?.close()
        writer = nil
    }

    /// Checkpoint `step` and its evaluation.
    func evaluate(step: Int64, _ metrics: [String: Float]) throws {
        let prefix = path + "/model.ckpt-\(step)"
        try Data("index \(step)\n".utf8).write(to: URL(fileURLWithPath: prefix + ".index"))
        try Data("data \(step)\n".utf8).write(to: URL(fileURLWithPath: prefix + ".data-00000-of-00001"))
        try Data("model_checkpoint_path: \"model.ckpt-\(step)\"\n".utf8).write(to: URL(fileURLWithPath: path + "/checkpoint"))
        if writer == nil {
            files += 1
            let writer = try RecordWriter(path: evalDirectory + "/events.out.tfevents.\(1_700_000_000 + files).host")
            encoder.encode(.fileVersion(wallTime: 1_700_000_000))
            try writer.write(encoder.bytes)
            self.writer = writer
        }
        encoder.encode(.scalars(wallTime: 1_700_000_000 + Double(step), step: step,
                                metrics.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, style: .simpleValue))
        try writer!.write(encoder.bytes)
        try writer!.flush()
    }

    var exportPath: String { path + "/export/best_exporter" }

    /// The 10-digit export directories.
    var exports: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: exportPath)) ?? [])
            .filter { $0.count == 10 && $0.allSatisfy(\.isNumber) }.sorted()
    }
}
