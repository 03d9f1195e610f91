#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations of the package (exports, the index, side files),
/// each retrying `EINTR`, each throwing the `errno` it met.
///
/// One of the two places (with ``POSIX``'s wrappers) that call the C
/// library's file functions: everything above sees `String` paths and
/// `[UInt8]` contents.
package enum FileOperations {
    /// Whether anything exists at `path` (`lstat`).
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return unsafe lstat(path, &info) == 0
    }

    /// Whether `path` is a directory (following links).
    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return unsafe stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir(path, 0755)`.
    package static func makeDirectory(_ path: String) throws(SystemError) {
        guard unsafe mkdir(path, 0o755) == 0 else { throw SystemError.current }
    }

    /// `mkdir -p`.
    package static func makeDirectories(_ path: String) throws(SystemError) { try Directories.create(path) }

    /// Reads a whole file.
    package static func readFile(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = retryingOnInterrupt { unsafe open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemError.current }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = unsafe chunk.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return retryingOnInterrupt { unsafe systemRead(fd, base, buffer.count) }
            }
            if count < 0 { throw SystemError.current }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0 ..< count])
        }
    }

    /// Creates `path` (failing when it exists), writes `bytes` and `fsync`s.
    package static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        let fd = retryingOnInterrupt { unsafe open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw SystemError.current }
        var failure: SystemError?
        unsafe bytes.withUnsafeBytes { buffer in
            do throws(SystemError) { unsafe try writeAll(fd, buffer) } catch { failure = error }
        }
        if failure == nil, fsync(fd) != 0 { failure = .current }
        if close(fd) != 0, failure == nil { failure = .current }
        if let failure {
            unsafe unlink(path)
            throw failure
        }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) {
        guard var p = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let written = retryingOnInterrupt { unsafe write(fd, p, remaining) }
            if written < 0 { throw SystemError.current }
            if written == 0 { throw SystemError(code: EIO) }
            unsafe p += written
            remaining -= written
        }
    }

    /// Hard-links `source` at `destination`; copies when the file system
    /// refuses (another device, no hard links, link limit, permission).
    package static func linkOrCopy(_ source: String, to destination: String) throws(SystemError) -> Bool {
        if unsafe link(source, destination) == 0 { return true }
        switch errno {
        case EXDEV, EPERM, EMLINK, ENOTSUP, EACCES, ENOSYS:
            try copyFile(source, to: destination)
            return false
        default:
            throw SystemError.current
        }
    }

    /// Copies a regular file's bytes and permission bits, then `fsync`s.
    package static func copyFile(_ source: String, to destination: String) throws(SystemError) {
        let input = retryingOnInterrupt { unsafe open(source, O_RDONLY | O_CLOEXEC) }
        guard input >= 0 else { throw SystemError.current }
        defer { close(input) }
        var info = stat()
        guard unsafe fstat(input, &info) == 0 else { throw SystemError.current }
        let output = retryingOnInterrupt { unsafe open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0o777) }
        guard output >= 0 else { throw SystemError.current }
        var failure: SystemError?
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        copying: while true {
            let count = unsafe buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return retryingOnInterrupt { unsafe systemRead(input, base, raw.count) }
            }
            if count < 0 { failure = .current; break }
            if count == 0 { break }
            unsafe buffer.withUnsafeBytes { raw in
                do throws(SystemError) { unsafe try writeAll(output, UnsafeRawBufferPointer(rebasing: raw[0 ..< count])) } catch {
                    failure = error
                }
            }
            if failure != nil { break copying }
        }
        if failure == nil, fsync(output) != 0 { failure = .current }
        if close(output) != 0, failure == nil { failure = .current }
        if let failure {
            unsafe unlink(destination)
            throw failure
        }
    }

    /// Copies a file, or a directory and everything below it (symbolic
    /// links are copied as the files they point to).
    package static func copyTree(_ source: String, to destination: String) throws(SystemError) {
        guard isDirectory(source) else {
            try copyFile(source, to: destination)
            return
        }
        try makeDirectory(destination)
        for name in try Directories.list(source).sorted() {
            try copyTree(FilePaths.join(source, name), to: FilePaths.join(destination, name))
        }
    }

    /// `renameat2(RENAME_NOREPLACE)` where the kernel and C library offer it;
    /// elsewhere a check followed by `rename` (a directory is never renamed
    /// over a non-empty one).
    package static func renameNoReplace(_ source: String, to destination: String) throws(SystemError) {
        if let renameat2 = unsafe renameAt2 {
            if unsafe renameat2(AT_FDCWD, source, AT_FDCWD, destination, 1 /* RENAME_NOREPLACE */) == 0 { return }
            if errno != EINVAL && errno != ENOSYS { throw SystemError.current }
        }
        if exists(destination) { throw SystemError(code: EEXIST) }
        guard unsafe rename(source, destination) == 0 else { throw SystemError.current }
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

    /// glibc's `renameat2` (2.28+), looked up at run time because the C
    /// library module does not export it.
    private static let renameAt2: RenameAt2? = {
        guard let symbol = unsafe dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafe unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    /// Removes a file, a link, or a directory and everything below it.
    /// Links are removed, never followed. A path already gone is fine.
    package static func removeTree(_ path: String) throws(SystemError) {
        var info = stat()
        guard unsafe lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw SystemError.current
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try Directories.list(path) {
                try removeTree(FilePaths.join(path, name))
            }
            guard unsafe rmdir(path) == 0 || errno == ENOENT else { throw SystemError.current }
        } else {
            guard unsafe unlink(path) == 0 || errno == ENOENT else { throw SystemError.current }
        }
    }

    /// `fsync` of a directory.
    package static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = retryingOnInterrupt { unsafe open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemError.current }
        defer { close(fd) }
        // Some file systems cannot sync directories; that is not a failure.
        if fsync(fd) != 0 && errno != EINVAL && errno != EROFS { throw SystemError.current }
    }

    /// Renames `source` over `destination` (replacing it) and syncs the
    /// directory so that the rename is durable. On failure `source` is
    /// removed.
    package static func renameReplacing(_ source: String, to destination: String) throws(SystemError) {
        guard unsafe rename(source, destination) == 0 else {
            let error = SystemError.current
            _ = unsafe unlink(source)
            throw error
        }
        try? syncDirectory(FilePaths.dirname(destination))
    }

    /// Removes a file (`unlink`); a file already gone is fine.
    package static func removeFile(_ path: String) throws(SystemError) {
        guard unsafe unlink(path) == 0 || errno == ENOENT else { throw SystemError.current }
    }

    /// The absolute path of `path` with every symbolic link resolved
    /// (`realpath`).
    package static func resolvedPath(_ path: String) throws(SystemError) -> String {
        guard let absolute = unsafe realpath(path, nil) else { throw SystemError.current }
        defer { unsafe free(absolute) }
        return unsafe String(cString: absolute)
    }

    /// The paths matching the `glob(3)` pattern `pattern`, in the order
    /// the C library gives them; nothing when none match or the pattern is
    /// invalid.
    package static func glob(_ pattern: String) -> [String] {
        var matches = unsafe glob_t()
        defer { unsafe globfree(&matches) }
        guard unsafe Glibc.glob(pattern, 0, nil, &matches) == 0 else { return [] }
        var paths: [String] = []
        for i in unsafe 0 ..< Int(matches.gl_pathc) {
            // i < gl_pathc: the entry exists.
            guard let cString = unsafe matches.gl_pathv[i] else { continue }
            paths.append(unsafe String(cString: cString))
        }
        return paths
    }

    /// Whether `path` matches the `fnmatch(3)` pattern `pattern`, with `*`
    /// and `?` stopping at `/` and a leading `.` matched only explicitly.
    package static func pathMatches(_ pattern: String, _ path: String) -> Bool {
        unsafe fnmatch(pattern, path, FNM_PATHNAME | FNM_PERIOD) == 0
    }

    /// Whether `text` matches the `fnmatch(3)` pattern `pattern`, `*`
    /// matching any characters (slashes included).
    package static func textMatches(_ pattern: String, _ text: String) -> Bool {
        unsafe fnmatch(pattern, text, 0) == 0
    }
}


/// The process's environment.
package enum Environment {
    /// The value of the variable `name`, or nil when it is unset or empty.
    package static func value(_ name: String) -> String? {
        guard let value = unsafe getenv(name), unsafe value.pointee != 0 else { return nil }
        return unsafe String(cString: value)
    }

    /// This process's id.
    package static var processID: Int32 { getpid() }
}
