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

/// `tfevents watch` and `export` when processes die, compete, or the disk
/// refuses: the lock serialises them, a SIGKILL leaves nothing half-made
/// that the next start does not clean up, and every refusal is a clear
/// error that leaves the earlier exports alone.
@Suite("Export commands under failure")
struct ExportUnderFailureCommandTests {
    @Test("two watchers started at once: one exports, the other exits 4; after a SIGKILL the next takes over and cleans up")
    func competingWatchers() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        let first = try WatchProcess([model.path, "--format", "json"])
        let second = try WatchProcess([model.path, "--format", "json"])
        // Exactly one of them holds the lock; the other stops at once.
        #expect(first.wait { !first.process.isRunning || !second.process.isRunning })
        let (winner, loser) = first.process.isRunning ? (first, second) : (second, first)
        #expect(loser.wait { !loser.process.isRunning })
        #expect(loser.process.terminationStatus == 4)
        #expect(loser.stderr.contains("holds the export lock"), "\(loser.stderr)")
        #expect(winner.wait { winner.lines.count == 1 }, "\(winner.stderr)")

        // Each improvement exported once, by the one watcher.
        try model.evaluate(step: 200, ["loss": 0.4])
        #expect(winner.wait { winner.lines.count == 2 }, "\(winner.stderr)")
        try model.evaluate(step: 300, ["loss": 0.6])
        try model.evaluate(step: 400, ["loss": 0.3])
        #expect(winner.wait { winner.lines.count == 3 }, "\(winner.stderr)")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(winner.lines.count == 3)
        #expect(model.exports.count == 3)

        // Killed mid-export: the lock goes with the process, a temp-*
        // directory stays (made by hand here, as a SIGKILL leaves it).
        #expect(winner.stop(SIGKILL) == -1 || !winner.process.isRunning)
        try FileManager.default.createDirectory(atPath: model.exportPath + "/temp-1999999999/variables",
                                                withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: model.exportPath + "/temp-1999999999/.tfevents-export-pending", contents: Data())
        // And one TensorFlow's exporter is writing (no marker): left alone, with a warning.
        try FileManager.default.createDirectory(atPath: model.exportPath + "/temp-1999999998/variables",
                                                withIntermediateDirectories: true)
        let exportsBefore = model.exports
        let next = try WatchProcess([model.path])
        #expect(next.wait { next.lines.count == 1 }, "\(next.stderr)")
        #expect(next.stderr.contains("removed \(model.exportPath)/temp-1999999999, left by an interrupted export"))
        #expect(!FileManager.default.fileExists(atPath: model.exportPath + "/temp-1999999999"))
        #expect(next.stderr.contains("left \(model.exportPath)/temp-1999999998 alone: not written by tfevents"), "\(next.stderr)")
        #expect(FileManager.default.fileExists(atPath: model.exportPath + "/temp-1999999998/variables"))
        // Its first decision: the newest evaluation is already exported.
        #expect(next.lines[0].hasPrefix("not exported (step 400): this evaluation (step 400) is already exported in"),
                "\(next.lines)")
        #expect(model.exports == exportsBefore)
        try model.evaluate(step: 500, ["loss": 0.2])
        #expect(next.wait { next.lines.count == 2 })
        #expect(next.lines[1].hasPrefix(model.exportPath + "/"))
        #expect(next.stop() == 0)
    }

    @Test("export: a missing checkpoint and a read-only export path are exit 4 with the reason; exports untouched")
    func refusals() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        let exported = try CLIRunner.run(["export", model.path])
        #expect(exported.status == 0, "\(exported.stderr)")
        let before = model.exports
        #expect(before.count == 1)

        // A better evaluation whose checkpoint is already gone.
        try model.evaluate(step: 200, ["loss": 0.25])
        for suffix in [".index", ".data-00000-of-00001"] {
            try FileManager.default.removeItem(atPath: model.path + "/model.ckpt-200" + suffix)
        }
        let missing = try CLIRunner.run(["export", model.path])
        #expect(missing.status == 4)
        #expect(missing.stderr.contains("the checkpoint of global step 200 no longer exists"), "\(missing.stderr)")
        #expect(model.exports == before)

        // The export directory cannot be written.
        try model.evaluate(step: 300, ["loss": 0.125])
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: model.exportPath)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: model.exportPath) }
        if geteuid() != 0 {
            // (Root writes anyway; the library test covers root with a
            // read-only tmpfs.)
            let readOnly = try CLIRunner.run(["export", model.path])
            #expect(readOnly.status == 4)
            #expect(readOnly.stderr.contains("Permission denied"), "\(readOnly.stderr)")
            #expect(model.exports == before)
        }
        let listing = try FileManager.default.contentsOfDirectory(atPath: model.exportPath)
        #expect(!listing.contains { $0.hasPrefix("temp-") })
    }
}
