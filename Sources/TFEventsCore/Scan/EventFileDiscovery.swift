import TFRecord
import TFEventsSystem

/// Finds event files: the files named on the command line, and under each
/// directory every file whose basename contains `tfevents` (FORMAT §5.1).
///
/// Directories are walked recursively; the files found under each are
/// sorted by the bytes of their paths (``FilePaths/bytewiseLess(_:_:)``, the
/// one order of the package). Symbolic links are followed, and a directory
/// reached twice (a link loop) is walked once.
public enum EventFileDiscovery {
    /// A path that could not be read.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The path.
        public let path: String
        /// The system error.
        public let error: SystemError
        /// `path: error`.
        public var description: String { "\(path): \(error)" }
    }

    /// An entry of a walked directory that has an event file's name but is
    /// not a regular file (a FIFO, a device, a socket): skipped, since
    /// reading it could block forever or never end. Named on the command
    /// line, the same file is read as a stream. Also an entry that cannot
    /// be opened at all: a symbolic link whose target is gone or that loops.
    public struct Skipped: Sendable, Equatable, CustomStringConvertible {
        /// The path.
        public let path: String
        /// What it is: "a FIFO", "a character device", "a link that cannot
        /// be followed"...
        public let kind: String
        /// Why it could not be opened, for a link that cannot be followed.
        let error: SystemError?

        init(path: String, kind: String, error: SystemError? = nil) {
            self.path = path
            self.kind = kind
            self.error = error
        }

        /// `path: skipped: a FIFO, not a regular file`, or
        /// `path: skipped: a link that cannot be followed (No such file or directory)`.
        public var description: String {
            if let error { return "\(path): skipped: \(kind) (\(error))" }
            return "\(path): skipped: \(kind), not a regular file"
        }
    }

    /// What ``expand(_:)`` found.
    public struct Found: Sendable {
        /// The files, in order.
        public var files: [String] = []
        /// Paths that could not be read.
        public var failures: [Failure] = []
        /// Special files with event-file names, skipped.
        public var skipped: [Skipped] = []
    }

    /// Whether a file name marks an event file: it contains `tfevents`,
    /// and is not one of the exporters' own files (`.tfevents-export.lock`,
    /// `.tfevents-export-pending`), which live beside exports in model
    /// directories.
    public static func isEventFileName(_ name: Substring) -> Bool {
        name.contains("tfevents") && !name.hasPrefix(".tfevents-export")
    }

    /// Expands `paths`: files are kept as given (whatever their name),
    /// directories are replaced by the event files below them, in the byte
    /// order of their paths.
    ///
    /// Only regular files are taken from directories (see ``Skipped``).
    ///
    /// - Returns: the files, in order, the paths that could not be read and
    ///   the special files skipped.
    public static func expand(_ paths: [String]) -> Found {
        var found = Found()
        for path in paths {
            if path == RecordReader.standardInputPath {
                found.files.append(path)
                continue
            }
            let info: FileIdentity
            do { info = try FileIdentity(path: path) } catch {
                found.failures.append(Failure(path: path, error: error))
                continue
            }
            if info.isDirectory {
                var visited = Set<DirectoryID>()
                var below = Found()
                walk(directory: path, visited: &visited, into: &below)
                found.files += below.files.sorted(by: FilePaths.bytewiseLess)
                found.failures += below.failures
                found.skipped += below.skipped
            } else {
                found.files.append(path)
            }
        }
        return found
    }

    private struct DirectoryID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private static func walk(directory: String, visited: inout Set<DirectoryID>, into found: inout Found) {
        if let store = ObjectStores.store(for: directory) {
            // A bucket prefix: one listing of every key below it (objects
            // are always regular files, and there are no links to loop).
            do {
                for name in try store.listTree(directory) where isEventFileName(Substring(FilePaths.basename(name))) {
                    found.files.append(directory.hasSuffix("/") ? directory + name : directory + "/" + name)
                }
            } catch {
                found.failures.append(Failure(path: directory, error: error))
            }
            return
        }
        let info: FileIdentity
        do { info = try FileIdentity(path: directory) } catch {
            found.failures.append(Failure(path: directory, error: error))
            return
        }
        guard visited.insert(DirectoryID(device: info.device, inode: info.inode)).inserted else {
            return  // already walked: a symbolic link loop or a second link
        }
        let entries: [String]
        do { entries = try Directories.list(directory) } catch {
            found.failures.append(Failure(path: directory, error: error))
            return
        }
        for name in entries.sorted(by: FilePaths.bytewiseLess) {
            let child = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let childInfo: FileIdentity
            do { childInfo = try FileIdentity(path: child) } catch {
                // Listed but not statable: a symbolic link whose target is
                // gone or loops, or an entry removed since the listing.
                if isEventFileName(Substring(name)) {
                    found.skipped.append(Skipped(path: child, kind: "a link that cannot be followed", error: error))
                }
                continue
            }
            if childInfo.isDirectory {
                walk(directory: child, visited: &visited, into: &found)
            } else if isEventFileName(Substring(name)) {
                if childInfo.isRegularFile {
                    found.files.append(child)
                } else {
                    found.skipped.append(Skipped(path: child, kind: childInfo.typeName))
                }
            }
        }
    }
}
