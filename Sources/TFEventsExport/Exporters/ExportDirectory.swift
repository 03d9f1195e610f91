import TFRecord
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where exports go and how they appear there (FORMAT §6.6 steps 2, 3, 6).
///
/// An export is written under `<export_path>/temp-<seconds>` and renamed to
/// `<export_path>/<seconds>` only when complete, so TensorFlow Serving
/// (which loads only all-digit directory names) never sees half an export.
/// The name is the clock's whole seconds; when `<seconds>` is taken the
/// clock is asked again after a one-second wait, up to 10 attempts, as
/// TensorFlow does. The rename never replaces an existing directory. In a
/// bucket, where nothing is renamed, the manifest commits the export
/// instead (``BucketExports``).
package enum ExportDirectory {
    /// `MAX_DIRECTORY_CREATION_ATTEMPTS` in TensorFlow.
    static let maxAttempts = 10

    /// A reserved name: the final path and the temporary directory, created.
    struct Reservation {
        var version: Int64
        var finalPath: String
        var temporaryPath: String
    }

    /// Whether `name` is an export version: exactly 10 ASCII digits (FORMAT §6.7).
    package static func isVersionName(_ name: String) -> Bool {
        name.utf8.count == 10 && name.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// `.tfevents-export-pending`: written first into every export this
    /// tool starts (in `temp-<seconds>/` on a disk, in `<seconds>/` in a
    /// bucket), so that what an interrupted export left is told apart from
    /// a `temp-<seconds>` of TensorFlow's own exporter, which may be
    /// writing it right now under the same name.
    package static let pendingMarker = ".tfevents-export-pending"

    /// `temp-`: exports being written (`temp-<seconds>`), and exports being
    /// deleted (`temp-removing-<seconds>`).
    static let temporaryPrefix = "temp-"
    /// An export being deleted by the garbage collector.
    static let removingPrefix = "temp-removing-"

    /// Whether `name` is a directory an export in progress (or a deletion)
    /// works in: `temp-<digits>` as TensorFlow names them, or
    /// `temp-removing-<digits>`.
    static func isTemporaryName(_ name: String) -> Bool {
        var rest = Substring(name)
        if rest.hasPrefix(removingPrefix) {
            rest = rest.dropFirst(removingPrefix.count)
        } else if rest.hasPrefix(temporaryPrefix) {
            rest = rest.dropFirst(temporaryPrefix.count)
        } else {
            return false
        }
        return !rest.isEmpty && rest.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Deletes the temporary directories this tool left in `exportPath`
    /// (see ``isTemporaryName(_:)``): `temp-<seconds>` holding
    /// ``pendingMarker`` (an export whose process died) and every
    /// `temp-removing-<seconds>` (a deletion cut short). A `temp-<seconds>`
    /// without the marker is not ours (TensorFlow's exporter may be writing
    /// it): it is left alone and named in `foreign`. Only the holder of the
    /// export lock may call this: a live exporter's directory would be
    /// deleted too.
    static func removeTemporaryDirectories(exportPath: String, fileSystem: any ExportFileSystem)
        -> (removed: [String], foreign: [String], failures: [ExportError])
    {
        if BucketExports.applies(to: exportPath) {
            let (removed, failures) = BucketExports.removeUncommitted(exportPath: exportPath, fileSystem: fileSystem)
            return (removed, [], failures)
        }
        var removed: [String] = [], foreign: [String] = []
        var failures: [ExportError] = []
        let names: [String]
        do { names = try fileSystem.listDirectory(exportPath) } catch {
            if error.code != ENOENT { failures.append(.fileSystem(operation: "list", path: exportPath, error: error)) }
            return (removed, foreign, failures)
        }
        for name in names.sorted() where isTemporaryName(name) {
            let path = FilePaths.join(exportPath, name)
            if !name.hasPrefix(removingPrefix) && !fileSystem.exists(FilePaths.join(path, pendingMarker)) {
                foreign.append(path)
                continue
            }
            do {
                try fileSystem.removeTree(path)
                removed.append(path)
            } catch where error.code == ENOENT {
                continue
            } catch {
                failures.append(.fileSystem(operation: "remove", path: path, error: error))
            }
        }
        return (removed, foreign, failures)
    }

    /// Picks `<exportPath>/<seconds>` not taken and creates `temp-<seconds>`.
    ///
    /// - Throws: ``ExportError/noUniqueExportDirectory(exportPath:attempts:)``
    ///   after 10 taken names; a file-system error otherwise.
    static func reserve(exportPath: String, clock: any ExportClock,
                        fileSystem: any ExportFileSystem) throws(ExportError) -> Reservation {
        for _ in 0 ..< maxAttempts {
            let version = clock.secondsSinceEpoch()
            let finalPath = FilePaths.join(exportPath, String(version))
            let temporaryPath = FilePaths.join(exportPath, "temp-\(version)")
            if BucketExports.applies(to: exportPath) {
                // No renames in a bucket: written in place, committed by
                // its manifest (BucketExports).
                if try BucketExports.reserve(finalPath, fileSystem: fileSystem) {
                    return Reservation(version: version, finalPath: finalPath, temporaryPath: finalPath)
                }
            } else if !fileSystem.exists(finalPath) {
                var created = true
                do { try fileSystem.makeDirectory(temporaryPath) } catch where error.code == EEXIST {
                    created = false  // another exporter is writing this second's export
                } catch {
                    throw .fileSystem(operation: "mkdir", path: temporaryPath, error: error)
                }
                if created {
                    do { try markPending(temporaryPath, fileSystem: fileSystem) } catch {
                        try? fileSystem.removeTree(temporaryPath)
                        throw .fileSystem(operation: "write", path: FilePaths.join(temporaryPath, pendingMarker), error: error)
                    }
                    return Reservation(version: version, finalPath: finalPath, temporaryPath: temporaryPath)
                }
            }
            clock.sleep(seconds: 1)
        }
        throw .noUniqueExportDirectory(exportPath: exportPath, attempts: maxAttempts)
    }

    /// Writes ``pendingMarker`` into `directory`, create-only: `EEXIST`
    /// when it is there already (in a bucket, the name is taken).
    static func markPending(_ directory: String, fileSystem: any ExportFileSystem) throws(SystemError) {
        try fileSystem.writeNewFile(FilePaths.join(directory, pendingMarker), Array("tfevents export in progress\n".utf8))
    }

    /// Renames the temporary directory into place. When the final name was
    /// taken meanwhile, waits and takes a newer name.
    ///
    /// - Returns: the final path.
    static func commit(_ reservation: inout Reservation, clock: any ExportClock,
                       fileSystem: any ExportFileSystem) throws(ExportError) -> String {
        let exportPath = FilePaths.dirname(reservation.finalPath)
        // In a bucket the manifest, written last, was the commit.
        if reservation.temporaryPath == reservation.finalPath {
            BucketExports.finish(reservation.finalPath, fileSystem: fileSystem)
            return reservation.finalPath
        }
        for attempt in 0 ..< maxAttempts {
            do {
                try fileSystem.renameNoReplace(reservation.temporaryPath, to: reservation.finalPath)
                try? fileSystem.syncDirectory(exportPath)
                // Committed: the marker has done its work (one left by a
                // crash here is harmless inside a numbered export).
                try? fileSystem.removeTree(FilePaths.join(reservation.finalPath, pendingMarker))
                return reservation.finalPath
            } catch where error.code == EEXIST || error.code == ENOTEMPTY {
                if attempt == maxAttempts - 1 { break }
                clock.sleep(seconds: 1)
                reservation.version = clock.secondsSinceEpoch()
                reservation.finalPath = FilePaths.join(exportPath, String(reservation.version))
            } catch {
                throw .fileSystem(operation: "rename to \(reservation.finalPath)", path: reservation.temporaryPath,
                                  error: error)
            }
        }
        throw .noUniqueExportDirectory(exportPath: exportPath, attempts: maxAttempts)
    }
}

/// The time source of exports: export directory names are its seconds,
/// and it waits when a name is taken. Tests give a fake one, so that names
/// are deterministic and waiting costs nothing.
public protocol ExportClock: Sendable {
    /// Whole seconds since the epoch (`int(time.time())`).
    func secondsSinceEpoch() -> Int64
    /// Waits `seconds`.
    func sleep(seconds: Int)
}

/// The system clock.
public struct SystemExportClock: ExportClock {
    /// The system clock.
    public init() {}

    /// `time(2)`.
    public func secondsSinceEpoch() -> Int64 { Int64(SystemClock.seconds) }

    /// `nanosleep`, resumed after signals until the time has passed.
    public func sleep(seconds: Int) {
        SystemClock.sleep(seconds: seconds)
    }
}
