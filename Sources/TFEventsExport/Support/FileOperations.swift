import TFRecord
import TFEventsCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system calls exports make, behind a protocol so that tests can
/// make any of them fail (``FailingFileSystem`` in the tests).
protocol ExportFileSystem: Sendable {
    /// Whether anything (file, directory, dangling link) exists at `path`.
    func exists(_ path: String) -> Bool
    /// `mkdir(path, 0755)`; fails with `EEXIST` when it exists.
    func makeDirectory(_ path: String) throws(SystemError)
    /// Creates `path` and its missing parents.
    func makeDirectories(_ path: String) throws(SystemError)
    /// Names in a directory, without `.` and `..`.
    func listDirectory(_ path: String) throws(SystemError) -> [String]
    /// Writes a new file (fails when it exists) and syncs it.
    func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError)
    /// Reads a whole file.
    func readFile(_ path: String) throws(SystemError) -> [UInt8]
    /// Hard-links `source` at `destination`, or copies it when linking is
    /// impossible. Returns whether it linked.
    func linkOrCopy(_ source: String, to destination: String) throws(SystemError) -> Bool
    /// Copies a file, or a directory recursively.
    func copyTree(_ source: String, to destination: String) throws(SystemError)
    /// Renames, failing with `EEXIST`/`ENOTEMPTY` rather than replacing.
    func renameNoReplace(_ source: String, to destination: String) throws(SystemError)
    /// Removes a file or a directory tree (links are removed, not followed).
    func removeTree(_ path: String) throws(SystemError)
    /// `fsync` of a directory, so renames and new names in it are durable.
    func syncDirectory(_ path: String) throws(SystemError)
}

/// The real file system.
struct POSIXFileSystem: ExportFileSystem {
    func exists(_ path: String) -> Bool { FileOperations.exists(path) }
    func makeDirectory(_ path: String) throws(SystemError) { try FileOperations.makeDirectory(path) }
    func makeDirectories(_ path: String) throws(SystemError) { try FileOperations.makeDirectories(path) }
    func listDirectory(_ path: String) throws(SystemError) -> [String] { try EventFileDiscovery.listDirectory(path) }
    func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) { try FileOperations.writeNewFile(path, bytes) }
    func readFile(_ path: String) throws(SystemError) -> [UInt8] { try FileOperations.readFile(path) }
    func linkOrCopy(_ source: String, to destination: String) throws(SystemError) -> Bool {
        try FileOperations.linkOrCopy(source, to: destination)
    }
    func copyTree(_ source: String, to destination: String) throws(SystemError) {
        try FileOperations.copyTree(source, to: destination)
    }
    func renameNoReplace(_ source: String, to destination: String) throws(SystemError) {
        try FileOperations.renameNoReplace(source, to: destination)
    }
    func removeTree(_ path: String) throws(SystemError) { try FileOperations.removeTree(path) }
    func syncDirectory(_ path: String) throws(SystemError) { try FileOperations.syncDirectory(path) }
}

/// POSIX file operations used by exports, each retrying `EINTR`.
enum FileOperations {
    /// Whether anything exists at `path` (`lstat`).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` is a directory (following links).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir(path, 0755)`.
    static func makeDirectory(_ path: String) throws(SystemError) {
        guard mkdir(path, 0o755) == 0 else { throw SystemError.current }
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(SystemError) { try Directories.create(path) }

    /// Reads a whole file.
    static func readFile(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemError.current }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return retryingOnInterrupt { systemRead(fd, base, buffer.count) }
            }
            if count < 0 { throw SystemError.current }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0 ..< count])
        }
    }

    /// Creates `path` (failing when it exists), writes `bytes` and `fsync`s.
    static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        let fd = retryingOnInterrupt { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw SystemError.current }
        var failure: SystemError?
        bytes.withUnsafeBytes { buffer in
            do throws(SystemError) { try writeAll(fd, buffer) } catch { failure = error }
        }
        if failure == nil, fsync(fd) != 0 { failure = .current }
        if close(fd) != 0, failure == nil { failure = .current }
        if let failure {
            unlink(path)
            throw failure
        }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) {
        guard var p = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let written = retryingOnInterrupt { write(fd, p, remaining) }
            if written < 0 { throw SystemError.current }
            if written == 0 { throw SystemError(code: EIO) }
            p += written
            remaining -= written
        }
    }

    /// Hard-links `source` at `destination`; copies when the file system
    /// refuses (another device, no hard links, link limit, permission).
    static func linkOrCopy(_ source: String, to destination: String) throws(SystemError) -> Bool {
        if link(source, destination) == 0 { return true }
        switch errno {
        case EXDEV, EPERM, EMLINK, ENOTSUP, EACCES, ENOSYS:
            try copyFile(source, to: destination)
            return false
        default:
            throw SystemError.current
        }
    }

    /// Copies a regular file's bytes and permission bits, then `fsync`s.
    static func copyFile(_ source: String, to destination: String) throws(SystemError) {
        let input = retryingOnInterrupt { open(source, O_RDONLY | O_CLOEXEC) }
        guard input >= 0 else { throw SystemError.current }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw SystemError.current }
        let output = retryingOnInterrupt { open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0o777) }
        guard output >= 0 else { throw SystemError.current }
        var failure: SystemError?
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        copying: while true {
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return retryingOnInterrupt { systemRead(input, base, raw.count) }
            }
            if count < 0 { failure = .current; break }
            if count == 0 { break }
            buffer.withUnsafeBytes { raw in
                do throws(SystemError) { try writeAll(output, UnsafeRawBufferPointer(rebasing: raw[0 ..< count])) } catch {
                    failure = error
                }
            }
            if failure != nil { break copying }
        }
        if failure == nil, fsync(output) != 0 { failure = .current }
        if close(output) != 0, failure == nil { failure = .current }
        if let failure {
            unlink(destination)
            throw failure
        }
    }

    /// Copies a file, or a directory and everything below it (symbolic
    /// links are copied as the files they point to).
    static func copyTree(_ source: String, to destination: String) throws(SystemError) {
        guard isDirectory(source) else {
            try copyFile(source, to: destination)
            return
        }
        try makeDirectory(destination)
        for name in try EventFileDiscovery.listDirectory(source).sorted() {
            try copyTree(FilePaths.join(source, name), to: FilePaths.join(destination, name))
        }
    }

    /// `renameat2(RENAME_NOREPLACE)` where the kernel and C library offer it;
    /// elsewhere a check followed by `rename` (a directory is never renamed
    /// over a non-empty one).
    static func renameNoReplace(_ source: String, to destination: String) throws(SystemError) {
        if let renameat2 = renameAt2 {
            if renameat2(AT_FDCWD, source, AT_FDCWD, destination, 1 /* RENAME_NOREPLACE */) == 0 { return }
            if errno != EINVAL && errno != ENOSYS { throw SystemError.current }
        }
        if exists(destination) { throw SystemError(code: EEXIST) }
        guard rename(source, destination) == 0 else { throw SystemError.current }
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

    /// glibc's `renameat2` (2.28+), looked up at run time because the C
    /// library module does not export it.
    private static let renameAt2: RenameAt2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    /// Removes a file, a link, or a directory and everything below it.
    /// Links are removed, never followed. A path already gone is fine.
    static func removeTree(_ path: String) throws(SystemError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw SystemError.current
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try EventFileDiscovery.listDirectory(path) {
                try removeTree(FilePaths.join(path, name))
            }
            guard rmdir(path) == 0 || errno == ENOENT else { throw SystemError.current }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemError.current }
        }
    }

    /// `fsync` of a directory.
    static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemError.current }
        defer { close(fd) }
        // Some file systems cannot sync directories; that is not a failure.
        if fsync(fd) != 0 && errno != EINVAL && errno != EROFS { throw SystemError.current }
    }
}
