import TFRecord
import TFEventsSystem

/// An exclusive lock on an export directory, so that two watchers (or a
/// watcher and `tfevents export`) never export the same evaluation twice.
///
/// The lock is `flock(2)` on `<export_path>/.tfevents-export.lock`, which
/// also holds the owner's process id for messages. The kernel releases it
/// when the owner exits, however it exits, so a lock left by a crashed
/// process is simply taken over: the file's presence means nothing. The
/// name is not 10 digits, so garbage collection and TensorFlow Serving
/// ignore it.
///
/// In a bucket (`gs://`, `s3://`) there is no `flock`: the lock is an
/// object of the same name created with a create-only precondition and
/// held as a renewed lease (``ExportLease``); a crashed holder's lease runs
/// out and is taken over.
public final class ExportLock {
    /// `.tfevents-export.lock`.
    public static let fileName = ".tfevents-export.lock"

    /// The lock file.
    public let path: String
    private let holder: Holder

    private enum Holder {
        case file(FileLock)
        case lease(ExportLease)
    }

    /// Takes the lock, creating the export directory if needed.
    ///
    /// - Throws: ``ExportError/locked(lockPath:holderProcess:)`` when
    ///   another process holds it; a file-system error otherwise.
    public init(exportPath: String) throws(ExportError) {
        if let store = ObjectStores.store(for: exportPath) {
            path = FilePaths.join(exportPath, Self.fileName)
            holder = .lease(try ExportLease(url: path, store: store))
            return
        }
        do { try FileOperations.makeDirectories(exportPath) } catch {
            throw .fileSystem(operation: "mkdir", path: exportPath, error: error)
        }
        let lockPath = FilePaths.join(exportPath, Self.fileName)
        do {
            holder = .file(try FileLock(path: lockPath, wait: false))
        } catch {
            switch error {
            case .held(let holder): throw .locked(lockPath: lockPath, holderProcess: holder)
            case let .system(operation, error): throw .fileSystem(operation: operation, path: lockPath, error: error)
            }
        }
        path = lockPath
    }

    /// Whether the lock is still held: false after ``release()``, or when
    /// a bucket lock's lease could not be renewed in time.
    public var isHeld: Bool {
        switch holder {
        case .file(let lock): return lock.isHeld
        case .lease(let lease): return lease.isHeld
        }
    }

    /// The export directory the lock guards.
    public var exportPath: String { FilePaths.dirname(path) }

    /// What ``removeAbandonedTemporaryDirectories()`` did.
    public struct Cleanup: Sendable {
        /// Directories deleted.
        public var removed: [String] = []
        /// `temp-<seconds>` directories this tool did not write (TensorFlow's
        /// exporter may be writing them now), left alone.
        public var foreign: [String] = []
        /// Deletions that failed (the directories stay; the next start tries again).
        public var failures: [ExportError] = []
    }

    /// Deletes what exporters that died left in the export directory:
    /// `temp-<seconds>` directories of exports killed while being written
    /// (those holding ``ExportDirectory/pendingMarker``; one without it may
    /// be TensorFlow's exporter's, and is only named in
    /// ``Cleanup/foreign``), and `temp-removing-<seconds>` directories of
    /// exports killed while being garbage-collected. Exports (10-digit
    /// names) and anything else are never touched. In a bucket: numbered
    /// prefixes with the marker and no manifest (``BucketExports``).
    ///
    /// Holding the lock is what makes this safe: every exporter that takes
    /// it (`tfevents export`, `tfevents watch`) writes only while holding
    /// it, so no `temp-*` directory can belong to a live one. Call it right
    /// after taking the lock.
    public func removeAbandonedTemporaryDirectories() -> Cleanup {
        guard isHeld else { return Cleanup() }  // released or lost: not ours to clean
        let (removed, foreign, failures) = ExportDirectory.removeTemporaryDirectories(exportPath: exportPath,
                                                                                       fileSystem: POSIXFileSystem())
        return Cleanup(removed: removed, foreign: foreign, failures: failures)
    }

    /// Releases the lock (also done when the object goes away).
    public func release() {
        switch holder {
        case .file(let lock): lock.release()
        case .lease(let lease): lease.release()
        }
    }
}
