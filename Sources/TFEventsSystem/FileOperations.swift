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
        if let store = ObjectStores.store(for: path) { return (try? store.identity(of: path)) != nil }
        var info = stat()
        return unsafe lstat(path, &info) == 0
    }

    /// Whether `path` is a directory (following links).
    package static func isDirectory(_ path: String) -> Bool {
        if let store = ObjectStores.store(for: path) { return (try? store.identity(of: path))?.isDirectory == true }
        var info = stat()
        return unsafe stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir(path, 0755)`. Nothing on a bucket URL: prefixes need no creating.
    package static func makeDirectory(_ path: String) throws(SystemError) {
        if ObjectStores.store(for: path) != nil { return }
        guard mkdir(path, 0o755) == 0 else { throw SystemError.current }
    }

    /// `mkdir -p`.
    package static func makeDirectories(_ path: String) throws(SystemError) { try Directories.create(path) }

    /// The largest side file (`checkpoint`, export manifests, a SavedModel's
    /// `variables.index`) read whole: 4 MiB. Real ones are a few KiB.
    package static let sideFileLimit = 4 << 20

    /// Reads a whole side file: a regular file of at most `limit` bytes.
    ///
    /// Opened with `O_NONBLOCK` and checked with `fstat` before any read, so
    /// a FIFO, a device (`/dev/zero`), a socket or a directory under the
    /// file's name is refused at once instead of hanging or filling memory;
    /// a file larger than `limit` (or one that grows past it while being
    /// read) is refused without reading more than `limit + 1` bytes.
    package static func readFile(_ path: String, limit: Int = sideFileLimit) throws(BoundedReadError) -> [UInt8] {
        if let store = ObjectStores.store(for: path) { return try store.read(path, limit: limit) }
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { throw .system(.current) }
        defer { close(fd) }
        var info = stat()
        guard unsafe fstat(fd, &info) == 0 else { throw .system(.current) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile(FileIdentity.typeName(mode: info.st_mode)) }
        guard Int(info.st_size) <= limit else { throw .tooLarge(size: Int(info.st_size), limit: limit) }
        let capacity = max(0, limit) &+ 1  // limit <= Int.max / 2 in practice: a byte count
        var result = [UInt8](repeating: 0, count: min(capacity, Int(info.st_size) &+ 1))  // st_size <= limit
        var filled = 0
        while true {
            if filled == result.count {
                guard result.count < capacity else { throw .tooLarge(size: filled, limit: limit) }
                result.append(contentsOf: repeatElement(0, count: min(64 * 1024, capacity &- result.count)))
            }
            let count = unsafe result.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                // filled < buffer.count: the buffer was grown above when full.
                return retryingOnInterrupt { unsafe systemRead(fd, base + filled, buffer.count &- filled) }
            }
            if count < 0 { throw .system(.current) }
            if count == 0 { break }
            filled &+= count  // count <= result.count - filled
        }
        result.removeSubrange(filled...)
        return result
    }

    /// Creates `path` (failing when it exists), writes `bytes` and `fsync`s.
    package static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        if let store = ObjectStores.store(for: path) { return try ObjectFiles.writeNew(path, bytes, in: store) }
        let fd = retryingOnInterrupt { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw SystemError.current }
        var failure: SystemError?
        unsafe bytes.withUnsafeBytes { buffer in
            do throws(SystemError) { unsafe try writeAll(fd, buffer) } catch { failure = error }
        }
        if failure == nil, fsync(fd) != 0 { failure = .current }
        if close(fd) != 0, failure == nil { failure = .current }
        if let failure {
            unlink(path)
            throw failure
        }
    }

    /// Removes the file at `path` if there is one (`unlink`; failures ignored).
    package static func removeIfPresent(_ path: String) {
        guard ObjectStores.scheme(of: path) == nil else { return }
        _ = unlink(path)
    }

    /// Up to `count` bytes of the regular file (or object) at `path` from
    /// `offset`: fewer only at its end. One `pread`, or one ranged request.
    package static func readRange(_ path: String, offset: Int, count: Int) throws(SystemError) -> [UInt8] {
        if let store = ObjectStores.store(for: path) { return try store.read(path, offset: offset, count: count) }
        let handle = try FileHandle(path: path, options: [.readOnly, .nonBlocking])
        guard try handle.identity().isRegularFile else { throw SystemError(code: EINVAL) }
        return try handle.read(at: offset, count: count)
    }

    /// Appends `bytes` to `path`, creating it (mode 0644) when missing. A
    /// symbolic link at `path` is refused (`O_NOFOLLOW`). Not synced: for
    /// logs. On a bucket URL the object is rewritten whole (see
    /// ``ObjectFiles``): for small logs only.
    package static func append(_ bytes: [UInt8], to path: String) throws(SystemError) {
        if let store = ObjectStores.store(for: path) { return try ObjectFiles.append(bytes, to: path, in: store) }
        let fd = retryingOnInterrupt { open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw SystemError.current }
        var failure: SystemError?
        unsafe bytes.withUnsafeBytes { buffer in
            do throws(SystemError) { unsafe try writeAll(fd, buffer) } catch { failure = error }
        }
        if close(fd) != 0, failure == nil { failure = .current }
        if let failure { throw failure }
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
        if ObjectStores.store(for: source) != nil || ObjectStores.store(for: destination) != nil {
            // No links in buckets: a copy on the server, an upload or a download.
            try ObjectFiles.copy(source, to: destination)
            return false
        }
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
    package static func copyFile(_ source: String, to destination: String) throws(SystemError) {
        if ObjectStores.store(for: source) != nil || ObjectStores.store(for: destination) != nil {
            return try ObjectFiles.copy(source, to: destination)
        }
        let input = retryingOnInterrupt { open(source, O_RDONLY | O_CLOEXEC) }
        guard input >= 0 else { throw SystemError.current }
        defer { close(input) }
        var info = stat()
        guard unsafe fstat(input, &info) == 0 else { throw SystemError.current }
        let output = retryingOnInterrupt { open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0o777) }
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
            unlink(destination)
            throw failure
        }
    }

    /// Writes the object at `url` to the new local file `destination`
    /// (replacing one only when `replacing`), streaming it, then `fsync`s;
    /// a failed download leaves no file.
    static func download(_ url: String, to destination: String, from store: any ObjectStore,
                         replacing: Bool = false) throws(SystemError) {
        let reader = try store.openReader(url, at: 0)
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let output = retryingOnInterrupt { open(destination, flags, 0o644) }
        guard output >= 0 else { throw SystemError.current }
        var failure: SystemError?
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while failure == nil {
            let result = unsafe buffer.withUnsafeMutableBytes { raw -> Result<Int, SystemError> in
                do throws(SystemError) { return .success(unsafe try reader.read(into: raw)) } catch { return .failure(error) }
            }
            guard case .success(let count) = result else {
                if case .failure(let error) = result { failure = error }
                break
            }
            if count == 0 { break }
            total += count
            unsafe buffer.withUnsafeBytes { raw in
                do throws(SystemError) { unsafe try writeAll(output, UnsafeRawBufferPointer(rebasing: raw[0 ..< count])) } catch {
                    failure = error
                }
            }
        }
        if failure == nil, total != reader.size {
            failure = SystemError(code: EIO, detail: "\(url) ended at byte \(total) of \(reader.size)")
        }
        if failure == nil, fsync(output) != 0 { failure = .current }
        if close(output) != 0, failure == nil { failure = .current }
        if let failure {
            unlink(destination)
            throw failure
        }
    }

    /// A new empty file in `$TMPDIR` (or `/tmp`).
    package static func temporaryFile() throws(SystemError) -> String {
        try unsafe temporaryName { path in
            let fd = unsafe mkstemp(path)
            if fd >= 0 { close(fd) }
            return fd >= 0
        }
    }

    /// A new empty directory in `$TMPDIR` (or `/tmp`), mode 0700.
    package static func temporaryDirectory() throws(SystemError) -> String {
        try unsafe temporaryName { unsafe mkdtemp($0) != nil }
    }

    private static func temporaryName(_ make: (UnsafeMutablePointer<CChar>) -> Bool) throws(SystemError) -> String {
        let directory = Environment.value("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array(FilePaths.join(directory, "tfevents-XXXXXX").utf8CString)
        let made = unsafe template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return unsafe make(base)
        }
        guard made else { throw SystemError.current }
        template.removeLast()  // the terminating NUL
        return String(decoding: template.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
        if ObjectStores.scheme(of: destination) != nil || ObjectStores.scheme(of: source) != nil {
            throw ObjectStores.unsupported("rename", source)
        }
        if let renameat2 = unsafe renameAt2 {
            let status = unsafe PathBytes.withCString(source) { from in
                unsafe PathBytes.withCString(destination) { to in
                    unsafe renameat2(AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */)
                }
            }
            if status == 0 { return }
            if errno != EINVAL && errno != ENOSYS { throw SystemError.current }
        }
        if exists(destination) { throw SystemError(code: EEXIST) }
        guard rename(source, destination) == 0 else { throw SystemError.current }
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
        if let store = ObjectStores.store(for: path) { return try ObjectFiles.removeTree(path, in: store) }
        var info = stat()
        guard unsafe lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw SystemError.current
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try Directories.list(path) {
                try removeTree(FilePaths.join(path, name))
            }
            guard rmdir(path) == 0 || errno == ENOENT else { throw SystemError.current }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemError.current }
        }
    }

    /// `fsync` of a directory.
    package static func syncDirectory(_ path: String) throws(SystemError) {
        // An object is durable once its write is acknowledged.
        if ObjectStores.store(for: path) != nil { return }
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemError.current }
        defer { close(fd) }
        // Some file systems cannot sync directories; that is not a failure.
        if fsync(fd) != 0 && errno != EINVAL && errno != EROFS { throw SystemError.current }
    }

    /// Renames `source` over `destination` (replacing it) and syncs the
    /// directory so that the rename is durable. On failure `source` is
    /// removed.
    package static func renameReplacing(_ source: String, to destination: String) throws(SystemError) {
        if ObjectStores.scheme(of: destination) != nil || ObjectStores.scheme(of: source) != nil {
            throw ObjectStores.unsupported("rename", source)
        }
        guard rename(source, destination) == 0 else {
            let error = SystemError.current
            _ = unlink(source)
            throw error
        }
        try? syncDirectory(FilePaths.dirname(destination))
    }

    /// Replaces the content of `path` in one step: readers see the old
    /// bytes or the new, never a mix. A temporary file beside it, synced,
    /// then renamed over it; on a bucket URL one PUT (objects are replaced
    /// whole).
    package static func replaceFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        if let store = ObjectStores.store(for: path) {
            _ = try store.write(path, bytes: bytes, condition: .always)
            return
        }
        let temporary = FilePaths.join(FilePaths.dirname(path), ".\(FilePaths.basename(path)).tmp-\(getpid())")
        removeIfPresent(temporary)
        try writeNewFile(temporary, bytes)
        try renameReplacing(temporary, to: path)
    }

    /// Points the symbolic link `path` at `target` in one step (a new link
    /// renamed over the old one). Not for bucket URLs, which have no links.
    package static func replaceSymbolicLink(_ path: String, target: String) throws(SystemError) {
        if ObjectStores.scheme(of: path) != nil { throw ObjectStores.unsupported("hold symbolic links", path) }
        let temporary = FilePaths.join(FilePaths.dirname(path), ".\(FilePaths.basename(path)).link-\(getpid())")
        removeIfPresent(temporary)
        guard unsafe symlink(target, temporary) == 0 else { throw SystemError.current }
        try renameReplacing(temporary, to: path)
    }

    /// Every file below the directory `path` at any depth, relative to it
    /// and sorted: a walk on a disk, one listing without a delimiter on a
    /// bucket URL.
    package static func listTree(_ path: String) throws(SystemError) -> [String] {
        if let store = ObjectStores.store(for: path) { return try store.listTree(path).sorted() }
        var files: [String] = []
        for name in try Directories.list(path).sorted() {
            let child = FilePaths.join(path, name)
            if Directories.isDirectory(child) {
                files += try listTree(child).map { name + "/" + $0 }
            } else {
                files.append(name)
            }
        }
        return files
    }

    /// Removes a file (`unlink`); a file already gone is fine.
    package static func removeFile(_ path: String) throws(SystemError) {
        if let store = ObjectStores.store(for: path) {
            _ = try store.delete(path, ifVersion: nil)
            return
        }
        guard unlink(path) == 0 || errno == ENOENT else { throw SystemError.current }
    }

    /// The absolute path of `path` with every symbolic link resolved
    /// (`realpath`).
    package static func resolvedPath(_ path: String) throws(SystemError) -> String {
        if let store = ObjectStores.store(for: path) {
            _ = try store.identity(of: path)
            return path
        }
        guard let absolute = realpath(path) else { throw SystemError.current }
        return absolute
    }

    /// The paths matching the `glob(3)` pattern `pattern`, in the order
    /// the C library gives them; nothing when none match or the pattern is
    /// invalid.
    package static func glob(_ pattern: String) -> [String] {
        if let store = ObjectStores.store(for: pattern) { return remoteGlob(pattern, store) }
        var matches = unsafe glob_t()
        defer { unsafe globfree(&matches) }
        let status = unsafe PathBytes.withCString(pattern) { unsafe Glibc.glob($0, 0, nil, &matches) }
        guard status == 0 else { return [] }
        var paths: [String] = []
        for i in unsafe 0 ..< Int(matches.gl_pathc) {
            // i < gl_pathc: the entry exists.
            guard let cString = unsafe matches.gl_pathv[i] else { continue }
            paths.append(unsafe PathBytes.string(decoding: UnsafeRawBufferPointer(start: cString, count: strlen(cString))))
        }
        return paths
    }

    /// `glob` on object storage: the components before the first wildcard
    /// are a literal prefix; a wildcard in the last component only is one
    /// listing of that prefix, wildcards deeper (`*/*`) one recursive
    /// listing matched with `fnmatch` component by component.
    private static func remoteGlob(_ pattern: String, _ store: any ObjectStore) -> [String] {
        let components = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = components.firstIndex(where: { $0.contains(where: { "*?[".contains($0) }) }) else {
            return (try? store.identity(of: pattern)) != nil ? [pattern] : []
        }
        let base = components[..<first].joined(separator: "/")
        let rest = components[first...].joined(separator: "/")
        let names: [String]
        if components.count - first == 1 {
            guard let listed = try? store.list(base) else { return [] }
            names = listed.filter { textMatches(rest, $0) && (rest.hasPrefix(".") || !$0.hasPrefix(".")) }
        } else {
            guard let listed = try? store.listTree(base) else { return [] }
            names = listed.filter { pathMatches(rest, $0) }
        }
        return names.sorted(by: FilePaths.bytewiseLess).map { FilePaths.join(base, $0) }
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

    /// Whether a process with id `pid` exists (`kill(pid, 0)`; a process
    /// of another user counts as existing).
    package static func processExists(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno != ESRCH
    }
}

/// Why ``FileOperations/readFile(_:limit:)`` refused or failed to read a file.
package enum BoundedReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed.
    case system(SystemError)
    /// Not a regular file: what it is instead ("a FIFO", "a character
    /// device", ...).
    case notRegularFile(String)
    /// Larger than the limit (`size` is what was seen: the size on disk, or
    /// the bytes read before it grew past the limit).
    case tooLarge(size: Int, limit: Int)

    /// The `errno` of a system failure.
    package var systemCode: Int32? {
        if case .system(let error) = self { return error.code }
        return nil
    }

    /// "No such file or directory", "is a FIFO, not a regular file", ...
    package var description: String {
        switch self {
        case .system(let error): return error.description
        case .notRegularFile(let kind): return "is \(kind), not a regular file"
        case let .tooLarge(size, limit): return "is larger than \(limit) bytes (\(size) bytes): refused"
        }
    }
}
