import CZstd
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Decompresses Zstandard data into the caller's buffer.
///
/// This and ``ZstdSink`` are the only stream users of zstd. Decoding writes
/// straight into the buffer given to ``read(into:)`` (the record reader's
/// window); input comes from a ``CompressedInput`` (the file mapping itself,
/// or one fixed buffer for pipes).
///
/// - Concatenated frames (`cat a.zst b.zst`, `zstd` of an appended file)
///   read as one stream, and skippable frames (magic `0x184D2A5?`, used for
///   metadata by some tools) are skipped, as `zstd -d` does.
/// - Input that ends inside a frame is not an error: ``endedMidStream``
///   becomes true (a file still being written, or cut short).
/// - Damaged input (a bad frame header, corrupt blocks, a content checksum
///   mismatch) throws ``ByteStreamError/corrupt(message:compressedOffset:)``
///   with the number of compressed bytes consumed when zstd noticed. Bytes
///   decoded before it are returned first; the error comes on the next call.
///
/// Frames whose window exceeds 2^27 bytes (128 MiB, zstd's default limit,
/// only produced by `--long` or levels past 19 with huge inputs) are
/// rejected, which bounds the decoder's memory.
@safe package final class ZstdSource: ByteStream {
    private let input: CompressedInput
    private let context: OpaquePointer
    private var inBuffer = unsafe ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    /// Input of the current frame was consumed and its end not reached.
    private var insideFrame = false
    private var finished = false
    private var failure: ByteStreamError?

    /// See ``ByteStream/endedMidStream``.
    package private(set) var endedMidStream = false

    /// Compressed bytes consumed so far.
    package var compressedOffset: Int? { unsafe input.offset(afterConsuming: inBuffer.pos) }

    /// A decoder reading `input`.
    ///
    /// - Throws: ``ByteStreamError/io(_:)`` with `ENOMEM` when zstd cannot
    ///   allocate its context.
    package init(input: CompressedInput) throws(ByteStreamError) {
        self.input = input
        guard let context = unsafe ZSTD_createDCtx() else { throw .io(SystemError(code: ENOMEM)) }
        unsafe self.context = unsafe context
    }

    deinit {
        unsafe ZSTD_freeDCtx(context)
    }

    /// See ``ByteStream/read(into:)``. Returns as soon as some bytes are
    /// decoded and more input would have to be read, so a pipe delivers
    /// what has arrived without waiting for a full buffer.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        if let failure { throw failure }
        guard !finished, let target = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var output = unsafe ZSTD_outBuffer(dst: target, size: buffer.count, pos: 0)
        while unsafe output.pos < output.size {
            let consumedBefore = unsafe inBuffer.pos
            let producedBefore = unsafe output.pos
            let hint = unsafe ZSTD_decompressStream(context, &output, &inBuffer)
            if input.wasTruncatedWhileMapped {
                // Pages past the file's new end read as zeros (see
                // MappingGuard): keep only what was decoded before them.
                finished = true
                endedMidStream = true
                return producedBefore
            }
            if ZSTD_isError(hint) != 0 {
                let name = unsafe String(cString: ZSTD_getErrorName(hint))
                return try fail(.corrupt(message: "invalid zstd data (\(name))",
                                         compressedOffset: unsafe input.offset(afterConsuming: inBuffer.pos)),
                                produced: unsafe output.pos)
            }
            if unsafe inBuffer.pos > consumedBefore { insideFrame = true }
            if hint == 0 {
                // A frame ended and everything it holds was written out.
                insideFrame = false
            }
            if unsafe output.pos == output.size { break }
            // zstd returns with room left in the output only when the input
            // is used up, or when it has just finished a frame or skippable
            // frame; go on unless no progress was made at all.
            let madeProgress = unsafe inBuffer.pos > consumedBefore || output.pos > producedBefore
            if unsafe inBuffer.pos < inBuffer.size && madeProgress { continue }
            if unsafe inBuffer.pos < inBuffer.size {
                return unsafe try fail(.corrupt(message: "zstd made no progress",
                                         compressedOffset: input.offset(afterConsuming: inBuffer.pos)),
                                produced: output.pos)
            }
            // Input used up, room left in the output: zstd has flushed
            // everything it could (zstd.h). Hand over what is decoded
            // before reading input that may not have arrived yet.
            if unsafe output.pos > 0 { return unsafe output.pos }
            let run: UnsafeRawBufferPointer
            do { unsafe run = unsafe try input.nextRun() } catch { return unsafe try fail(error, produced: output.pos) }
            unsafe inBuffer = unsafe ZSTD_inBuffer(src: run.baseAddress, size: run.count, pos: 0)
            if unsafe run.isEmpty {
                finished = true
                endedMidStream = insideFrame
                return unsafe output.pos
            }
        }
        return unsafe output.pos
    }

    private func fail(_ error: ByteStreamError, produced: Int) throws(ByteStreamError) -> Int {
        finished = true
        if input.wasTruncatedWhileMapped {
            // The file was cut under us: its compressed data simply stops.
            endedMidStream = true
            return produced
        }
        failure = error
        if produced == 0 { throw error }
        return produced
    }
}
