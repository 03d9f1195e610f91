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
        for failure in cleanup.failures {
            StandardError.report("could not remove what an interrupted export left: \(failure)")
        }
        return lock
    }
}
