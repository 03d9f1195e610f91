#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock(2)` on a lock file, released by ``release()``, when
/// the object goes away, or by the kernel when the process dies however it
/// dies: a crash never leaves a stale lock, and the file's presence means
/// nothing.
///
/// A holder that asks to (``init(path:wait:recordHolder:)``) writes its
/// process id into the file, so that a process that finds the lock taken
/// can say who holds it. That costs a truncate and a write on every
/// acquisition, so locks taken often and waited for (the index's) do not.
package final class FileLock {
    /// The lock file.
    package let path: String
    private var fd: Int32

    /// Why a lock could not be taken.
    package enum Failure: Error, Sendable {
        /// Another process holds it (only when not waiting); its process id
        /// when the file names one.
        case held(by: Int32?)
        /// The lock file could not be opened or locked.
        case system(operation: String, SystemError)
    }

    /// Opens (creating, mode 0644) `path` and takes the lock.
    ///
    /// - Parameters:
    ///   - wait: wait for another holder to release it; when false, fail at
    ///     once with ``Failure/held(by:)``.
    ///   - recordHolder: write this process's id into the file.
    package init(path: String, wait: Bool, recordHolder: Bool = true) throws(Failure) {
        let descriptor = retryingOnInterrupt { openForWriting(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw .system(operation: "open", .current) }
        let operation = wait ? LOCK_EX : LOCK_EX | LOCK_NB
        guard retryingOnInterrupt({ flock(descriptor, operation) }) == 0 else {
            let error = SystemError.current
            let holder = Self.readProcessID(descriptor)
            closeFile(descriptor)
            if error.code == EWOULDBLOCK { throw .held(by: holder) }
            throw .system(operation: "flock", error)
        }
        if recordHolder {
            let text = Array("\(getpid())\n".utf8)
            _ = ftruncate(descriptor, 0)
            _ = unsafe text.withUnsafeBytes { unsafe pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
        self.path = path
        fd = descriptor
    }

    deinit { release() }

    /// Whether the lock is still held by this object.
    package var isHeld: Bool { fd >= 0 }

    /// Releases the lock (also done when the object goes away).
    package func release() {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        closeFile(fd)
        fd = -1
    }

    private static func readProcessID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = unsafe buffer.withUnsafeMutableBytes { unsafe pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        var text = Substring(String(decoding: buffer[0 ..< count], as: UTF8.self))
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return Int32(text)
    }
}
