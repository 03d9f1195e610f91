#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// The compressed bytes a decoder consumes, one contiguous run at a time.
///
/// A regular file is read through a ``SlidingMapping``: each run is a mapped
/// window handed to the decoder as is, so compressed input is never copied
/// and only one window is resident at a time. A pipe or standard input is
/// read into one fixed buffer, reused for every run.
///
/// A run stays valid until the next call to ``nextRun()``. Decoders keep
/// their own position inside it (zlib's `next_in`, zstd's `pos`), and report
/// positions with ``offset(afterConsuming:)``.
package final class CompressedInput {
    @safe private enum Storage {
        case mapping(SlidingMapping)
        case stream(any ByteStream, UnsafeMutableRawBufferPointer)
    }

    private let storage: Storage
    /// Compressed offset of the current run's first byte.
    private(set) var runOffset = 0
    /// Bytes in the current run.
    private(set) var runLength = 0
    /// True once a run came back empty: no compressed bytes remain.
    private(set) var exhausted = false

    /// Compressed bytes mapped at a time for regular files: 8 MiB.
    static let mappingWindow = 8 << 20
    /// Size of the reused buffer for pipes: 256 KiB (TensorFlow's own
    /// `ZlibInputStream` default).
    static let streamBufferSize = 256 << 10

    /// Reads a regular file through `mapping` (which owns the descriptor;
    /// create it with a window of ``mappingWindow``).
    init(mapping: SlidingMapping) {
        storage = .mapping(mapping)
    }

    /// Reads a pipe-like stream through a fixed buffer of `bufferSize` bytes.
    package init(stream: any ByteStream, bufferSize: Int = CompressedInput.streamBufferSize) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, 1), alignment: 16)
        storage = unsafe .stream(stream, buffer)
    }

    deinit {
        if case .stream(_, let buffer) = storage { unsafe buffer.deallocate() }
    }

    /// Whether the file was truncated while a mapped run was being decoded
    /// (pages past the new end read as zeros, see ``MappingGuard``): a
    /// decoding error is then the file changing, not damage.
    var wasTruncatedWhileMapped: Bool {
        if case .mapping(let mapping) = storage { return mapping.wasTruncatedWhileMapped }
        return false
    }

    /// The compressed offset of the byte after the first `consumed` bytes of
    /// the current run.
    func offset(afterConsuming consumed: Int) -> Int {
        runOffset + consumed
    }

    /// Moves to the next run of compressed bytes, after the current one.
    ///
    /// - Returns: the run; empty once the input is exhausted. The previous
    ///   run must be fully consumed: it is no longer valid.
    func nextRun() throws(ByteStreamError) -> UnsafeRawBufferPointer {
        let start = runOffset + runLength
        runOffset = start
        runLength = 0
        guard !exhausted else { return unsafe UnsafeRawBufferPointer(start: nil, count: 0) }
        let run: UnsafeRawBufferPointer
        switch storage {
        case .mapping(let mapping):
            do {
                _ = try mapping.remap(at: start, needed: 1)
            } catch {
                if case .map(let code) = error.reason { throw .io(code) }
                throw .io(SystemError(code: EIO))
            }
            unsafe run = unsafe mapping.bytes
        case let .stream(stream, buffer):
            let count = unsafe try stream.read(into: buffer)
            unsafe run = unsafe UnsafeRawBufferPointer(rebasing: buffer[..<count])
        }
        runLength = run.count
        if unsafe run.isEmpty { exhausted = true }
        return unsafe run
    }
}
