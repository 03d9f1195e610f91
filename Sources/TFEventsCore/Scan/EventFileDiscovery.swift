import TFRecord

/// Finds event files: the files named on the command line, and under each
/// directory every file whose basename contains `tfevents` (SPEC E.1).
///
/// Directories are walked recursively in sorted order; symbolic links are
/// followed, and a directory reached twice (a link loop) is walked once.
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
    /// directories are replaced by the event files below them, sorted.
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
            var info = stat()
            guard stat(path, &info) == 0 else {
                failures.append(Failure(path: path, error: .current))
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                var visited = Set<DirectoryID>()
                walk(directory: path, visited: &visited, files: &files, failures: &failures)
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
        var info = stat()
        guard stat(directory, &info) == 0 else {
            failures.append(Failure(path: directory, error: .current))
            return
        }
        guard visited.insert(DirectoryID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))).inserted else {
            return  // already walked: a symbolic link loop or a second link
        }
        let entries: [String]
        do { entries = try listDirectory(directory) } catch {
            failures.append(Failure(path: directory, error: error))
            return
        }
        for name in entries.sorted() {
            let child = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var childInfo = stat()
            guard stat(child, &childInfo) == 0 else { continue }  // dangling link
            if (childInfo.st_mode & S_IFMT) == S_IFDIR {
                walk(directory: child, visited: &visited, files: &files, failures: &failures)
            } else if isEventFileName(Substring(name)) {
                files.append(child)
            }
        }
    }

    /// The names in a directory, without `.` and `..`.
    public static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError.current }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
