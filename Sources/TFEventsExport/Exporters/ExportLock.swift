import TFRecord

/// An exclusive lock on an export directory, so that two watchers (or a
/// watcher and `tfevents export`) never export the same evaluation twice.
///
/// The lock is `flock(2)` on `<export_path>/.tfevents-export.lock`, which
/// also holds the owner's process id for messages. The kernel releases it
/// when the owner exits, however it exits, so a lock left by a crashed
/// process is simply taken over: the file's presence means nothing. The
/// name is not 10 digits, so garbage collection and TensorFlow Serving
/// ignore it.
public final class ExportLock {
    /// `.tfevents-export.lock`.
    public static let fileName = ".tfevents-export.lock"

    /// The lock file.
    public let path: String
    private var fd: Int32

    /// Takes the lock, creating the export directory if needed.
    ///
    /// - Throws: ``ExportError/locked(lockPath:holderProcess:)`` when
    ///   another process holds it; a file-system error otherwise.
    public init(exportPath: String) throws(ExportError) {
        do { try FileOperations.makeDirectories(exportPath) } catch {
            throw .fileSystem(operation: "mkdir", path: exportPath, error: error)
        }
        let lockPath = FilePaths.join(exportPath, Self.fileName)
        let descriptor = retryingOnInterrupt { open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw .fileSystem(operation: "open", path: lockPath, error: .current) }
        guard retryingOnInterrupt({ flock(descriptor, LOCK_EX | LOCK_NB) }) == 0 else {
            let error = SystemError.current
            let holder = Self.readProcessID(descriptor)
            close(descriptor)
            if error.code == EWOULDBLOCK { throw .locked(lockPath: lockPath, holderProcess: holder) }
            throw .fileSystem(operation: "flock", path: lockPath, error: error)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        path = lockPath
        fd = descriptor
    }

    deinit { release() }

    /// The export directory the lock guards.
    public var exportPath: String { FilePaths.dirname(path) }

    /// What ``removeAbandonedTemporaryDirectories()`` did.
    public struct Cleanup: Sendable {
        /// Directories deleted.
        public var removed: [String] = []
        /// Deletions that failed (the directories stay; the next start tries again).
        public var failures: [ExportError] = []
    }

    /// Deletes what exporters that died left in the export directory:
    /// `temp-<seconds>` directories of exports killed while being written,
    /// and `temp-removing-<seconds>` directories of exports killed while
    /// being garbage-collected. Exports (10-digit names) and anything else
    /// are never touched.
    ///
    /// Holding the lock is what makes this safe: every exporter that takes
    /// it (`tfevents export`, `tfevents watch`) writes only while holding
    /// it, so no `temp-*` directory can belong to a live one. Call it right
    /// after taking the lock.
    public func removeAbandonedTemporaryDirectories() -> Cleanup {
        precondition(fd >= 0, "the lock was released")
        let (removed, failures) = ExportDirectory.removeTemporaryDirectories(exportPath: exportPath,
                                                                              fileSystem: POSIXFileSystem())
        return Cleanup(removed: removed, failures: failures)
    }

    /// Releases the lock (also done when the object goes away).
    public func release() {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    private static func readProcessID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0 ..< count], as: UTF8.self).trimmingTrailingNewlines)
    }
}
