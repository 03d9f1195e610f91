#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file: positioned reads and writes, size, truncation and sync,
/// each retrying `EINTR` and throwing the `errno` it met. The descriptor is
/// closed when the handle goes away.
///
/// For files that are read and written at offsets (the index file);
/// immutable after opening, so one handle serves several threads.
package final class FileHandle: Sendable {
    /// How to open.
    package struct Options: OptionSet, Sendable {
        package let rawValue: Int32
        package init(rawValue: Int32) { self.rawValue = rawValue }

        /// Read only.
        package static let readOnly = Options(rawValue: O_RDONLY)
        /// Read and write.
        package static let readWrite = Options(rawValue: O_RDWR)
        /// Create the file when missing (mode 0644).
        package static let create = Options(rawValue: O_CREAT)
        /// Empty an existing file.
        package static let truncate = Options(rawValue: O_TRUNC)
        /// Fail when the file exists (with ``create``).
        package static let exclusive = Options(rawValue: O_EXCL)
        /// Do not block on a FIFO or device while opening or reading.
        package static let nonBlocking = Options(rawValue: O_NONBLOCK)
    }

    /// The path the file was opened with.
    package let path: String
    private let fd: Int32

    /// Opens `path`.
    package init(path: String, options: Options) throws(SystemError) {
        if ObjectStores.scheme(of: path) != nil {
            // Objects are read through their store (FileOperations.readRange).
            let writes = options.rawValue & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC) != 0
            throw !writes ? SystemError(code: EINVAL, detail: "\(path) is an object, not a file")
                : ObjectStores.unsupported("be opened for writing", path)
        }
        let flags = options.rawValue | O_CLOEXEC
        let descriptor = retryingOnInterrupt { openForWriting(path, flags, 0o644) }
        guard descriptor >= 0 else { throw SystemError.current }
        self.path = path
        fd = descriptor
    }

    deinit { closeFile(fd) }

    /// Identity and size now (`fstat`).
    package func identity() throws(SystemError) -> FileIdentity {
        try FileIdentity(fileDescriptor: fd)
    }

    /// Up to `count` bytes at `offset`: fewer only at the end of the file.
    package func read(at offset: Int, count: Int) throws(SystemError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = unsafe bytes.withUnsafeMutableBytes { raw -> Int in
                // done < count == raw.count: the range stays inside the buffer.
                retryingOnInterrupt { unsafe pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done)) }
            }
            guard n >= 0 else { throw SystemError.current }
            if n == 0 { break }
            done += n
        }
        if done < count { bytes.removeSubrange(done...) }
        return bytes
    }

    /// Writes all of `bytes` at `offset`.
    package func write(_ bytes: [UInt8], at offset: Int) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let n = unsafe bytes.withUnsafeBytes { raw -> Int in
                // done < bytes.count: the range stays inside the buffer.
                retryingOnInterrupt { unsafe pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset + done)) }
            }
            guard n > 0 else { throw n == 0 ? SystemError(code: EIO) : SystemError.current }
            done += n
        }
    }

    /// Sets the file's length.
    package func truncate(to length: Int) throws(SystemError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw SystemError.current }
    }

    /// Flushes the file to the device (`fsync`).
    package func sync() throws(SystemError) {
        guard fsync(fd) == 0 else { throw SystemError.current }
    }
}
