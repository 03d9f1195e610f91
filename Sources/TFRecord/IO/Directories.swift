/// Directory creation shared by the writers, the index and the exporters.
public enum Directories {
    /// Creates `path` and its missing parents (`mkdir -p`, mode 0755).
    ///
    /// - Throws: ``SystemError`` when a component cannot be created or
    ///   exists as something other than a directory.
    public static func create(_ path: String) throws(SystemError) {
        if isDirectory(path) { return }
        let parent = FilePaths.dirname(path)
        if parent != path && parent != "." && parent != "/" { try create(parent) }
        if mkdir(path, 0o755) != 0 && !(errno == EEXIST && isDirectory(path)) { throw SystemError.current }
    }

    /// Creates the directory that will hold `file` (nothing for a bare name).
    public static func createParent(of file: String) throws(SystemError) {
        let parent = FilePaths.dirname(file)
        if parent != "." && parent != "/" && parent != file { try create(parent) }
    }

    /// Whether `path` is a directory (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
