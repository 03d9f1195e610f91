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

/// A `tfevents watch` process whose output is read while it runs.
final class WatchProcess {
    let process = Process()
    let outURL: URL
    let errURL: URL

    /// Starts `tfevents watch --interval 0.1 arguments...` (or `tfevents
    /// arguments...` when `watch` is false), with `environment` added.
    init(_ arguments: [String], environment: [String: String] = [:], watch: Bool = true) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        outURL = scratch.appendingPathComponent("stdout")
        errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = CLIRunner.executable
        process.arguments = (watch ? ["watch", "--interval", "0.1"] : []) + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = CLIRunner.packageRoot  // not the shared, movable working directory
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: outURL.deletingLastPathComponent())
    }

    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// Waits until `condition` holds (up to 20 s).
    @discardableResult
    func wait(for condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// Sends `signal` and waits for the exit status.
    /// Sends `signal` and waits for the exit status (-1, after SIGKILL, if
    /// the process does not stop within 10 s).
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }
}

@Suite("tfevents watch")
struct WatchCommandTests {
    @Test("--patience N: after N evaluations without improvement, STOP is written and watch exits 5")
    func patience() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        try FileManager.default.createDirectory(atPath: model.exportPath, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: model.exportPath + "/STOP", contents: Data("stale".utf8))
        let watch = try WatchProcess([model.path, "--patience", "2"])
        #expect(watch.wait { watch.lines.count == 1 }, "\(watch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: model.exportPath + "/STOP"), "an earlier run's STOP is removed")
        try model.evaluate(step: 200, ["loss": 0.4])  // better: the count starts again
        #expect(watch.wait { watch.lines.count == 2 }, "\(watch.stderr)")
        try model.evaluate(step: 300, ["loss": 0.45])
        Thread.sleep(forTimeInterval: 0.5)
        #expect(watch.process.isRunning, "one evaluation without improvement is within the patience")
        try model.evaluate(step: 400, ["loss": 0.41])
        #expect(watch.wait { !watch.process.isRunning }, "\(watch.stderr)")
        #expect(watch.process.terminationStatus == 5, "\(watch.stderr)")
        let stop = try String(contentsOfFile: model.exportPath + "/STOP", encoding: .utf8)
        #expect(stop.contains("\"best_global_step\":200") && stop.contains("\"evaluations_since\":2"), "\(stop)")
        #expect(watch.stderr.contains("no improvement in 2 evaluations since step 200"), "\(watch.stderr)")
    }

    @Test("exports each better evaluation as training writes it; survives a restart; stops on SIGTERM and SIGINT")
    func followsTraining() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        var watch: WatchProcess? = try WatchProcess([model.path, "--keep", "2", "--format", "json"])
        #expect(watch!.wait { watch!.lines.count == 1 }, "\(watch!.stderr)")
        #expect(watch!.lines[0].contains("\"exported\":true") && watch!.lines[0].contains("\"global_step\":100"))

        try model.evaluate(step: 200, ["loss": 0.7])   // worse: nothing
        try model.evaluate(step: 300, ["loss": 0.25])  // better
        #expect(watch!.wait { watch!.lines.count == 2 }, "\(watch!.stderr)")
        #expect(watch!.lines[1].contains("\"global_step\":300"))
        try model.evaluate(step: 400, ["loss": 0.1])
        #expect(watch!.wait { watch!.lines.count == 3 })
        #expect(watch!.lines[2].contains("\"global_step\":400"))
        #expect(watch!.lines[2].contains("\"removed\":[\"\(model.exportPath)/"))
        #expect(model.exports.count == 2)

        // A second watcher on the same export directory is refused.
        let second = try CLIRunner.run(["watch", model.path, "--interval", "0.1"])
        #expect(second.status == 4)
        #expect(second.stderr.contains("holds the export lock"))

        #expect(watch!.stop(SIGTERM) == 0)
        #expect(watch!.stderr.contains("stopped (SIGTERM)"))

        // The job restarts and writes a worse evaluation first: the new watcher does not export it.
        try model.restart()
        try model.evaluate(step: 500, ["loss": 0.3])
        watch = try WatchProcess([model.path])
        #expect(watch!.wait { watch!.lines.count == 1 }, "\(watch!.stderr)")
        #expect(watch!.lines[0].hasPrefix("not exported (step 500): worse than the best in the event files (step 400), which is exported in"))
        try model.evaluate(step: 600, ["loss": 0.05])
        #expect(watch!.wait { watch!.lines.count == 2 })
        #expect(watch!.lines[1].hasPrefix(model.exportPath + "/"))
        #expect(watch!.stop(SIGINT) == 0)
        #expect(watch!.stderr.contains("stopped (SIGINT)"))
    }

    @Test("waits for the first evaluation; a truncated tail is not an error")
    func startsEarly() throws {
        let model = ModelDirectoryFixture(evalName: "holdout")
        let watch = try WatchProcess([model.path, "--eval-name", "holdout", "--metric", "auc", "--higher-is-better"])
        Thread.sleep(forTimeInterval: 0.3)
        #expect(watch.lines.isEmpty)
        try model.evaluate(step: 10, ["auc": 0.7])
        // Half a record appended by hand: pending, not corrupt.
        let file = try FileManager.default.contentsOfDirectory(atPath: model.evalDirectory).first!
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: model.evalDirectory + "/" + file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x20, 0, 0, 0, 0, 0, 0]))
        try handle.close()
        #expect(watch.wait { watch.lines.count == 1 }, "\(watch.stderr)")
        #expect(watch.lines[0].hasPrefix(model.path + "/export/best_exporter/"))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(watch.stop() == 0)
        #expect(!watch.stderr.contains("corrupt"))
        #expect(watch.lines.count == 1)
    }
}
