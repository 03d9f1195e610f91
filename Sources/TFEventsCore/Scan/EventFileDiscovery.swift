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

    /// Whether a file name marks an event file.
    public static func isEventFileName(_ name: Substring) -> Bool {
        name.contains("tfevents")
    }

    /// Expands `paths`: files are kept as given (whatever their name),
    /// directories are replaced by the event files below them, in the byte
    /// order of their paths.
    ///
    /// - Returns: the files, in order, and the paths that could not be read.
    public static func expand(_ paths: [String]) -> (files: [String], failures: [Failure]) {
        var files: [String] = []
        var failures: [Failure] = []
        for path in paths {
            if path == RecordReader.standardInputPath {
                files.append(path)
                continue
            }
            let info: FileIdentity
            do { info = try FileIdentity(path: path) } catch {
                failures.append(Failure(path: path, error: error))
                continue
            }
            if info.isDirectory {
                var visited = Set<DirectoryID>()
                var found: [String] = []
                walk(directory: path, visited: &visited, files: &found, failures: &failures)
                files += found.sorted(by: FilePaths.bytewiseLess)
            } else {
                files.append(path)
            }
        }
        return (files, failures)
    }

    private struct DirectoryID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private static func walk(directory: String, visited: inout Set<DirectoryID>,
                             files: inout [String], failures: inout [Failure]) {
        let info: FileIdentity
        do { info = try FileIdentity(path: directory) } catch {
            failures.append(Failure(path: directory, error: error))
            return
        }
        guard visited.insert(DirectoryID(device: info.device, inode: info.inode)).inserted else {
            return  // already walked: a symbolic link loop or a second link
        }
        let entries: [String]
        do { entries = try Directories.list(directory) } catch {
            failures.append(Failure(path: directory, error: error))
            return
        }
        for name in entries.sorted(by: FilePaths.bytewiseLess) {
            let child = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            guard let childInfo = try? FileIdentity(path: child) else { continue }  // dangling link
            if childInfo.isDirectory {
                walk(directory: child, visited: &visited, files: &files, failures: &failures)
            } else if isEventFileName(Substring(name)) {
                files.append(child)
            }
        }
    }
}
