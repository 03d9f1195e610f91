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
        /// The sizes of the files found in walked local directories, added
        /// up as they were listed (named files and object-store listings
        /// add nothing).
        public var walkedBytes = 0
        /// The walk stopped at the `limit` given to
        /// ``expand(_:limit:)``: ``files`` holds only the first files found.
        public var stoppedAtLimit = false
    }

    /// Where ``expand(_:limit:)`` may stop walking: once more than `files`
    /// files were found, or their sizes add up to more than `bytes`,
    /// counting only the files `accepts` takes (by path; the others are
    /// left out of the result).
    public struct Limit: Sendable {
        /// More files than this stop the walk.
        public var files: Int
        /// More bytes than this stop the walk.
        public var bytes: Int
        /// Whether a file found in a directory counts (and is listed).
        public var accepts: @Sendable (String) -> Bool

        /// A limit of `files` files and `bytes` bytes among those `accepts`
        /// takes.
        public init(files: Int, bytes: Int, accepts: @escaping @Sendable (String) -> Bool = { _ in true }) {
            self.files = files
            self.bytes = bytes
            self.accepts = accepts
        }
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
    ///
    /// - Parameter limit: when given, directories list only the regular
    ///   files it accepts, and the walk stops as soon as it has found more
    ///   files, or more bytes, than the limit (``Found/stoppedAtLimit``):
    ///   for a caller that only needs to know that there are that many (a
    ///   first index build that would be declined), without listing and
    ///   examining a directory of thousands of files.
    public static func expand(_ paths: [String], limit: Limit? = nil) -> Found {
        var found = Found()
        for path in paths {
            if found.stoppedAtLimit { break }
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
                // What the paths before this one left of the limit.
                let left = limit.map { Limit(files: $0.files &- found.files.count, bytes: $0.bytes &- found.walkedBytes,
                                             accepts: $0.accepts) }
                walk(directory: path, visited: &visited, into: &below, limit: left)
                found.files += below.files.sorted(by: FilePaths.bytewiseLess)
                found.failures += below.failures
                found.skipped += below.skipped
                found.walkedBytes &+= below.walkedBytes
                found.stoppedAtLimit = below.stoppedAtLimit
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

    /// Adds the event files below `directory` to `found`; with a `limit`,
    /// stops once the files found exceed it.
    private static func walk(directory: String, visited: inout Set<DirectoryID>, into found: inout Found,
                             limit: Limit?) {
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
                walk(directory: child, visited: &visited, into: &found, limit: limit)
                if found.stoppedAtLimit { return }
            } else if isEventFileName(Substring(name)) {
                if childInfo.isRegularFile {
                    if let limit, !limit.accepts(child) { continue }
                    found.files.append(child)
                    found.walkedBytes &+= childInfo.size
                    if let limit, found.files.count > limit.files || found.walkedBytes > limit.bytes {
                        found.stoppedAtLimit = true
                        return
                    }
                } else {
                    found.skipped.append(Skipped(path: child, kind: childInfo.typeName))
                }
            }
        }
    }
}
