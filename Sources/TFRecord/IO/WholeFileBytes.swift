#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import TFEventsSystem

/// A small file's bytes, read whole with `pread(2)` into a buffer taken
/// from a process-wide pool and given back when the reader is done.
///
/// A directory of thousands of small event files (a sweep) spent a large
/// part of its time mapping and unmapping: each `munmap` in a process with
/// several reading threads interrupts the other cores to flush their TLBs,
/// and the threads queue on the address-space lock. Reading a file of up to
/// ``limit`` bytes into a buffer that was already touched costs one copy
/// from the page cache instead. Buffers are reused, never handed back to
/// the system, so no fresh memory is touched file after file (first touches
/// are slow here).
///
/// One of the fenced places of `TFRecord`: a pointer and its byte count,
/// behind ``bytes``.
@safe final class WholeFileBytes {
    /// Files up to this size are read whole.
    static let limit = 256 << 10
    /// Buffers kept for reuse.
    private static let pooled = 8
    /// The pooled buffers' addresses (each of ``limit`` bytes).
    private static let pool = Mutex<[UInt]>([])

    /// The bytes read.
    let bytes: UnsafeRawBufferPointer
    private let storage: UnsafeMutableRawBufferPointer

    /// Reads `count` bytes of `fd` from `offset` (fewer when the file ends
    /// first: a file truncated meanwhile), retrying interrupted and short
    /// reads. Throws the system error of a failed read.
    init(fd: Int32, offset: Int, count: Int) throws(SystemError) {
        precondition(count >= 0 && count <= Self.limit, "a whole-file read larger than its limit")
        let buffer = unsafe Self.take()
        var done = 0
        while done < count {
            let got = unsafe pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
            if got > 0 {
                done += got
            } else if got == 0 {
                break
            } else if errno != EINTR {
                let error = SystemError.current
                unsafe Self.give(buffer)
                throw error
            }
        }
        unsafe storage = unsafe buffer
        unsafe bytes = unsafe UnsafeRawBufferPointer(rebasing: buffer[..<done])
    }

    deinit { unsafe Self.give(storage) }

    /// A buffer of ``limit`` bytes: a pooled one, else a new one.
    private static func take() -> UnsafeMutableRawBufferPointer {
        if let address = pool.withLock({ $0.popLast() }), let start = unsafe UnsafeMutableRawPointer(bitPattern: address) {
            return unsafe UnsafeMutableRawBufferPointer(start: start, count: limit)
        }
        return unsafe .allocate(byteCount: limit, alignment: 16)
    }

    /// Keeps `buffer` for the next file, or frees it when the pool is full.
    private static func give(_ buffer: UnsafeMutableRawBufferPointer) {
        let address = UInt(bitPattern: unsafe buffer.baseAddress)
        let kept = pool.withLock { pool -> Bool in
            guard pool.count < pooled else { return false }
            pool.append(address)
            return true
        }
        if !kept { unsafe buffer.deallocate() }
    }
}
