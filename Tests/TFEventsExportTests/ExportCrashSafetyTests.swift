import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@testable import TFEventsSystem

/// A small tmpfs mounted for one test (root only): a real full disk and a
/// real read-only file system, instead of injected errors.
final class TmpfsMount {
    let path: String

    /// Whether this process may mount (root, and a kernel that lets it).
    static let isAvailable: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = TemporaryDirectory("mount-probe")
        guard mount("tmpfs", probe.path, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount2(probe.path, Int32(MNT_DETACH))
        return true
    }()

    init(at path: String, size: String) throws {
        self.path = path
        try FileOperations.makeDirectories(path)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(size)") == 0 else { throw SystemError.current }
    }

    /// Makes the file system read-only.
    func remountReadOnly() throws {
        guard mount("tmpfs", path, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), nil) == 0 else { throw SystemError.current }
    }

    deinit { umount2(path, Int32(MNT_DETACH)) }
}

/// What a crash (SIGKILL, power loss) in the middle of an export or of a
/// garbage collection leaves, and what the next start does with it; exports
/// on a full or read-only disk.
@Suite("Exports under crashes and failing disks")
struct ExportCrashSafetyTests {
    static func exporter(_ clock: FakeClock, keep: Int = 5) throws -> BestExporter {
        var options = BestExporter.Options()
        options.clock = clock
        return try BestExporter(exportsToKeep: keep, options: options)
    }

    @Test("the next lock holder removes temp-* left by interrupted exports and deletions, nothing else (not TensorFlow's temp-*)")
    func abandonedTemporaryDirectories() throws {
        let scratch = TemporaryDirectory("abandoned")
        let exportPath = scratch.join("export/best")
        for name in ["temp-1600000000", "temp-removing-1600000001", "1600000002", "temp-1600000004"] {
            try writeFile(FilePaths.join(exportPath, name + "/variables/variables.index"), "x")
        }
        // Ours carries the marker; temp-1600000004 is TensorFlow's exporter's.
        try writeFile(FilePaths.join(exportPath, "temp-1600000000/" + ExportDirectory.pendingMarker), "")
        for name in ["temp-", "temp-x1", "temp-removing-", "1600000003x", "temporary"] {
            try FileOperations.makeDirectories(FilePaths.join(exportPath, name))
        }
        try writeFile(FilePaths.join(exportPath, "notes.txt"), "keep me")
        let lock = try ExportLock(exportPath: exportPath)
        let cleanup = lock.removeAbandonedTemporaryDirectories()
        #expect(cleanup.removed.map(FilePaths.basename) == ["temp-1600000000", "temp-removing-1600000001"])
        #expect(cleanup.foreign.map(FilePaths.basename) == ["temp-1600000004"])
        #expect(cleanup.failures.isEmpty)
        #expect(listing(exportPath) == [ExportLock.fileName, "1600000002", "1600000003x", "notes.txt", "temp-",
                                        "temp-1600000004", "temp-removing-", "temp-x1", "temporary"].sorted())
        // Nothing to do the second time; a missing export path is not an error.
        #expect(lock.removeAbandonedTemporaryDirectories().removed.isEmpty)
        #expect(ExportDirectory.removeTemporaryDirectories(exportPath: scratch.join("absent"),
                                                           fileSystem: POSIXFileSystem()).failures.isEmpty)
    }

    @Test("a garbage collection cut short never leaves a half-deleted export under a version name")
    func collectionCutShort() throws {
        let scratch = TemporaryDirectory("gc-cut")
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var exporter = try Self.exporter(clock, keep: 1)
        let exportPath = training.model.exportPath(for: exporter.name)
        _ = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                        evalResult: try training.evaluate(step: 1, ["loss": 0.5]))
        let first = try #require(exportVersions(exportPath).first)
        // The deletion of the old export fails half-way (as a SIGKILL would
        // stop it): the export is already out of sight.
        // (The first removal is the new export's marker, after its rename.)
        let failing = FailingFileSystem(failing: .removeTree, onCall: 2)
        exporter.fileSystem = failing
        failing.arm()
        let outcome = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                                  evalResult: try training.evaluate(step: 2, ["loss": 0.25]))
        let report = try #require(outcome.garbageCollection)
        #expect(report.failures.count == 1)
        let newest = try #require(outcome.exportDirectory)
        #expect(exportVersions(exportPath) == [FilePaths.basename(newest)])
        #expect(listing(exportPath).contains("temp-removing-\(first)"))
        // The next start cleans it up.
        let lock = try ExportLock(exportPath: exportPath)
        #expect(lock.removeAbandonedTemporaryDirectories().removed.map(FilePaths.basename) == ["temp-removing-\(first)"])
        #expect(!listing(exportPath).contains { $0.hasPrefix("temp-") })
    }

    @Test("a restart after this very evaluation was exported does not export it again")
    func restartAfterExport() throws {
        let scratch = TemporaryDirectory("already")
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var exporter = try Self.exporter(clock)
        let exportPath = training.model.exportPath(for: exporter.name)
        var newest: EvalResult?
        for (step, loss) in [(Int64(1), Float(0.5)), (2, 0.25)] {
            newest = try training.evaluate(step: step, ["loss": loss])
            _ = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: newest!)
        }
        let before = exportVersions(exportPath)
        // A watcher killed right after exporting step 2 starts again and
        // considers the newest evaluation, step 2.
        var restarted = try Self.exporter(clock)
        let outcome = try restarted.considerExport(model: training.model, exportPath: exportPath, evalResult: newest!)
        #expect(!outcome.exported)
        guard case let .alreadyExported(result, directory) = outcome.reason else { Issue.record("\(outcome)"); return }
        #expect(result.globalStep == 2)
        #expect(FilePaths.basename(directory) == before.last)
        #expect(exportVersions(exportPath) == before)
        // It goes on from there: strictly better only.
        #expect(!(try restarted.considerExport(model: training.model, exportPath: exportPath,
                                               evalResult: try training.evaluate(step: 3, ["loss": 0.25]))).exported)
        #expect(try restarted.considerExport(model: training.model, exportPath: exportPath,
                                             evalResult: try training.evaluate(step: 4, ["loss": 0.125])).exported)
    }

    /// Two exports on a tmpfs, a third that does not fit.
    @Test("a full disk: a clear error, the earlier exports and the best untouched, nothing left behind",
          .enabled(if: TmpfsMount.isAvailable))
    func fullDisk() throws {
        let scratch = TemporaryDirectory("full")
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var exporter = try Self.exporter(clock)
        let exportPath = training.model.exportPath(for: exporter.name)
        // The exports live on their own small file system: checkpoint files
        // are copied there (no hard link across file systems).
        let disk = try TmpfsMount(at: exportPath, size: "1m")
        let bigData = [UInt8](repeating: 7, count: 400 << 10)
        func evaluate(_ step: Int64, _ loss: Float) throws -> EvalResult {
            let result = try training.evaluate(step: step, ["loss": loss])
            try writeFile(FilePaths.join(scratch.path, "model.ckpt-\(step).data-00000-of-00001"), bigData)
            return result
        }
        for (step, loss) in [(Int64(1), Float(0.5)), (2, 0.25)] {
            #expect(try exporter.considerExport(model: training.model, exportPath: exportPath,
                                                evalResult: try evaluate(step, loss)).exported)
        }
        let before = listing(exportPath)
        #expect {
            _ = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                            evalResult: try evaluate(3, 0.125))
        } throws: { error in
            // The snapshot writer's copy is what fails; the error says so and why.
            guard let error = error as? ExportError else { return false }
            return error.description.contains("No space left on device")
        }
        #expect(listing(exportPath) == before)
        #expect(exporter.best?.globalStep == 2)
        for version in exportVersions(exportPath) {
            #expect(try FileOperations.readFile(FilePaths.join(exportPath, version + "/variables/variables.data-00000-of-00001")) == bigData)
            #expect(try ExportManifest.read(exportDirectory: FilePaths.join(exportPath, version)) != nil)
        }
        _ = disk
    }

    @Test("a read-only export path: a clear error, the earlier exports untouched",
          .enabled(if: TmpfsMount.isAvailable))
    func readOnlyExportPath() throws {
        let scratch = TemporaryDirectory("readonly")
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var exporter = try Self.exporter(clock)
        let exportPath = training.model.exportPath(for: exporter.name)
        let disk = try TmpfsMount(at: exportPath, size: "1m")
        #expect(try exporter.considerExport(model: training.model, exportPath: exportPath,
                                            evalResult: try training.evaluate(step: 1, ["loss": 0.5])).exported)
        let before = listing(exportPath)
        try disk.remountReadOnly()
        #expect {
            _ = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                            evalResult: try training.evaluate(step: 2, ["loss": 0.25]))
        } throws: { error in
            guard let error = error as? ExportError, case let .fileSystem(_, _, systemError) = error else { return false }
            return systemError.code == EROFS && error.description.contains("Read-only file system")
        }
        #expect(listing(exportPath) == before)
        #expect(exporter.best?.globalStep == 1)
    }
}
