#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Directory creation shared by the writers, the index and the exporters.
package enum Directories {
    /// Creates `path` and its missing parents (`mkdir -p`, mode 0755).
    ///
    /// - Throws: ``SystemError`` when a component cannot be created or
    ///   exists as something other than a directory.
    package static func create(_ path: String) throws(SystemError) {
        if ObjectStores.store(for: path) != nil { return }  // prefixes need no creating
        if isDirectory(path) { return }
        let parent = FilePaths.dirname(path)
        if parent != path && parent != "." && parent != "/" { try create(parent) }
        if mkdir(path, 0o755) != 0 && !(errno == EEXIST && isDirectory(path)) { throw SystemError.current }
    }

    /// Creates the directory that will hold `file` (nothing for a bare name).
    package static func createParent(of file: String) throws(SystemError) {
        let parent = FilePaths.dirname(file)
        if parent != "." && parent != "/" && parent != file { try create(parent) }
    }

    /// Whether `path` is a directory (following symbolic links).
    package static func isDirectory(_ path: String) -> Bool {
        if let store = ObjectStores.store(for: path) { return (try? store.identity(of: path))?.isDirectory == true }
        var info = stat()
        return unsafe stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory, without `.` and `..`, in the order the
    /// system lists them.
    ///
    /// - Throws: ``SystemError`` when the directory cannot be opened.
    package static func list(_ path: String) throws(SystemError) -> [String] {
        if let store = ObjectStores.store(for: path) { return try store.list(path) }
        guard let dir = unsafe opendir(path) else { throw SystemError.current }
        defer { unsafe closedir(dir) }
        var names: [String] = []
        while let entry = unsafe readdir(dir) {
            let name = unsafe withUnsafeBytes(of: entry.pointee.d_name) { raw in
                unsafe PathBytes.string(decoding: raw.prefix(while: { $0 != 0 }))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
