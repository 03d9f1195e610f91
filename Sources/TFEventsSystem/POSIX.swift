// Thin wrappers of the system calls the readers and writers make.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `errno` of the last failed system call, as a number and a message.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let code: Int32
    /// What a remote store answered (an HTTP status and its message, the
    /// credential that was tried), when the error did not come from the
    /// local system; shown instead of the `strerror` text.
    public let detail: String?

    /// Captures the current `errno`.
    package static var current: SystemError { SystemError(code: errno) }

    /// Wraps an errno value.
    public init(code: Int32) {
        self.code = code
        detail = nil
    }

    /// An error of a remote store: `code` is the nearest `errno` (`ENOENT`
    /// for a missing object, `EACCES` for a refused credential, `EIO` for a
    /// network failure), `detail` says what happened.
    public init(code: Int32, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `strerror` text, for example "No such file or directory", or the
    /// remote store's detail.
    public var description: String {
        if let detail { return detail }
        return unsafe String(cString: strerror(code))
    }
}

/// Calls a system function until it does not fail with `EINTR`.
@inline(__always)
package func retryingOnInterrupt<T: FixedWidthInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}

/// `read(2)`, named apart from the many Swift `read` methods.
@inline(__always)
package func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return unsafe Glibc.read(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

/// `open(2)` for reading, named apart from Swift methods called `open`
/// (the name through ``PathBytes``).
@inline(__always)
package func systemOpen(_ path: String, _ flags: Int32) -> Int32 {
    open(path, flags)
}

/// `open(2)` with a creation mode, for writers (the name through ``PathBytes``).
@inline(__always)
package func openForWriting(_ path: String, _ flags: Int32, _ permissions: mode_t) -> Int32 {
    if ObjectStores.scheme(of: path) != nil {
        errno = EROFS  // object storage is written through its store, never opened
        return -1
    }
    return open(path, flags, permissions)
}

/// `write(2)`, named apart from the many Swift `write` methods.
@inline(__always)
package func writeToFile(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return unsafe Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

/// `close(2)`, named apart from the `close()` methods of writers.
@discardableResult @inline(__always)
package func closeFile(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #elseif canImport(Musl)
    return Musl.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}

/// Facts about this process's machine.
package enum ProcessInfoLite {
    /// Cores available (at least 1).
    package static var activeProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
