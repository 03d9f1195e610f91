#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// A sequential source of bytes that cannot be mapped: a pipe, standard
/// input, a device, or a decompressor.
///
/// ``RecordReader`` pulls from a stream into its own window buffer, so a
/// stream never allocates per read. Implementations are classes because they
/// own a file descriptor or a decoder state.
package protocol ByteStream: AnyObject {
    /// Fills the start of `buffer` with the next bytes and returns how many
    /// were written; 0 means the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int

    /// For a decompressor: how many compressed input bytes were consumed so
    /// far. `nil` for uncompressed streams.
    var compressedOffset: Int? { get }

    /// True once the stream ended in the middle of a compressed frame or
    /// member (a file still being written, or cut short). Always false for
    /// uncompressed streams.
    var endedMidStream: Bool { get }
}

extension ByteStream {
    /// Uncompressed streams have no compressed offset.
    package var compressedOffset: Int? { nil }
    /// Uncompressed streams cannot end mid-frame.
    package var endedMidStream: Bool { false }
}

/// A ``ByteStream`` failed.
package enum ByteStreamError: Error, Sendable, Equatable {
    /// The system call failed.
    case io(SystemError)
    /// The compressed data is damaged at `compressedOffset` (when known).
    case corrupt(message: String, compressedOffset: Int?)
}

/// Reads an open file descriptor with `read(2)`: pipes, standard input,
/// character devices.
package final class FileDescriptorStream: ByteStream {
    private let fd: Int32
    private let closesOnDeinit: Bool

    /// Wraps `fd`. When `closeOnDeinit` is true the descriptor is closed when
    /// the stream is released.
    package init(fileDescriptor fd: Int32, closeOnDeinit: Bool) {
        self.fd = fd
        closesOnDeinit = closeOnDeinit
    }

    deinit {
        if closesOnDeinit { close(fd) }
    }

    /// See ``ByteStream/read(into:)``.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = retryingOnInterrupt { unsafe systemRead(fd, base, buffer.count) }
        guard count >= 0 else { throw .io(.current) }
        return count
    }
}
