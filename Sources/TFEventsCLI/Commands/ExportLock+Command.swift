import ArgumentParser
import TFEvents

extension ExportLock {
    /// Takes the export lock for `tfevents export` / `watch`, then removes
    /// the `temp-*` directories that interrupted exports (a SIGKILL, a power
    /// loss) left behind, saying so on stderr.
    ///
    /// - Throws: exit status 4 when another process holds the lock.
    static func forCommand(exportPath: String) throws -> ExportLock {
        let lock: ExportLock
        do { lock = try ExportLock(exportPath: exportPath) } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.exportFailed)
        }
        let cleanup = lock.removeAbandonedTemporaryDirectories()
        for path in cleanup.removed {
            StandardError.report("removed \(path), left by an interrupted export")
        }
        for path in cleanup.foreign {
            StandardError.report("warning: left \(path) alone: not written by tfevents (is TensorFlow's exporter writing to this directory too?)")
        }
        for failure in cleanup.failures {
            StandardError.report("could not remove what an interrupted export left: \(failure)")
        }
        return lock
    }
}

extension BestExporter {
    /// Finishes the collection a killed run did not get to (more than
    /// `--keep` exports), reporting what it deleted.
    func collectOnStart(exportPath: String) {
        guard let report = collectGarbage(exportPath: exportPath) else { return }
        for removed in report.removed { StandardError.report("removed old export \(removed) (more than --keep)") }
        for failure in report.failures { StandardError.report("warning: \(failure)") }
        ExportDecisionLog.record(startCollection: report, exportPath: exportPath)
    }
}
