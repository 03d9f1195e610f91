import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Inflates gzip (RFC 1952) or zlib (RFC 1950) data into the caller's buffer.
///
/// This and ``GzipSink`` are the only files that call zlib. Decoding writes
/// straight into the buffer given to ``read(into:)`` (the record reader's
/// window): there is no intermediate output buffer. Input comes from a
/// ``CompressedInput`` (the file mapping itself, or one fixed buffer for
/// pipes).
///
/// - A whole-file `gzip` of an event file and a TensorFlow `GZIP` TFRecord
///   file are the same thing: one gzip member holding the framed records
///   (FORMAT §2.1). Several members one after the other (`cat a.gz b.gz`,
///   `gzip` of an appended file) read as one stream; zero bytes after a
///   member are padding and ignored, as `gzip -d` does.
/// - A zlib stream is TensorFlow's `ZLIB` option (window bits 15).
///   Concatenated zlib streams are accepted the same way.
/// - Input that ends inside a member is not an error: ``endedMidStream``
///   becomes true (a file still being written, or cut short).
/// - Damaged input (a bad header, an invalid deflate block, a gzip CRC-32 or
///   length mismatch, an Adler-32 mismatch) throws
///   ``ByteStreamError/corrupt(message:compressedOffset:)`` with the number
///   of compressed bytes consumed when zlib noticed. Bytes decoded before it
///   are returned first; the error comes on the next call.
@safe package final class GzipSource: ByteStream {
    /// Which wrapper surrounds the deflate data.
    package enum Wrapper {
        /// RFC 1952: `1F 8B` header, CRC-32 and length trailer.
        case gzip
        /// RFC 1950: 2-byte header, Adler-32 trailer.
        case zlib

        /// zlib's convention: 15 = 32 KiB window with a zlib wrapper, +16
        /// for a gzip wrapper.
        var windowBits: Int32 {
            switch self {
            case .gzip: return MAX_WBITS + 16
            case .zlib: return MAX_WBITS
            }
        }
    }

    private let wrapper: Wrapper
    private let input: CompressedInput
    // zlib keeps pointers into its own state: the z_stream must never move,
    // so it lives in memory allocated once, not in a Swift property.
    private let zstream: UnsafeMutablePointer<z_stream>
    private var run = unsafe UnsafeRawBufferPointer(start: nil, count: 0)
    /// Input of the current member was consumed and its end not reached.
    private var insideMember = false
    /// The last member ended; whether another follows is not known yet.
    private var atMemberEnd = false
    private var finished = false
    private var failure: ByteStreamError?

    /// See ``ByteStream/endedMidStream``.
    package private(set) var endedMidStream = false

    /// Compressed bytes consumed so far.
    package var compressedOffset: Int? { input.offset(afterConsuming: consumedInRun) }

    /// A decoder of `wrapper` data read from `input`.
    ///
    /// - Throws: ``ByteStreamError/io(_:)`` with `ENOMEM` when zlib cannot
    ///   allocate its state.
    package init(wrapper: Wrapper, input: CompressedInput) throws(ByteStreamError) {
        self.wrapper = wrapper
        self.input = input
        unsafe zstream = .allocate(capacity: 1)
        unsafe zstream.initialize(to: z_stream())
        let status = unsafe inflateInit2_(zstream, wrapper.windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            unsafe zstream.deallocate()
            throw .io(SystemError(code: ENOMEM))
        }
    }

    deinit {
        unsafe inflateEnd(zstream)
        unsafe zstream.deallocate()
    }

    private var consumedInRun: Int { unsafe run.count - Int(zstream.pointee.avail_in) }

    /// See ``ByteStream/read(into:)``. Returns as soon as some bytes are
    /// decoded and more input would have to be read, so a pipe delivers
    /// what has arrived without waiting for a full buffer.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        if let failure { throw failure }
        guard !finished, let target = buffer.baseAddress, buffer.count > 0 else { return 0 }
        // avail_out is 32-bit; a larger buffer is filled in part.
        let capacity = min(buffer.count, Int(UInt32.max))
        unsafe zstream.pointee.next_out = unsafe target.assumingMemoryBound(to: Bytef.self)
        unsafe zstream.pointee.avail_out = UInt32(capacity)
        var produced: Int { unsafe capacity - Int(zstream.pointee.avail_out) }

        while unsafe zstream.pointee.avail_out > 0 {
            if atMemberEnd {
                if produced > 0 { break }  // decide on the next call: it may block
                let more: Bool
                do { more = try startNextMember() } catch { return try fail(error, produced: produced) }
                guard more else {
                    finished = true
                    break
                }
            }
            let availableBefore = unsafe zstream.pointee.avail_in
            let producedBefore = produced
            let status = unsafe inflate(zstream, Z_NO_FLUSH)
            if input.wasTruncatedWhileMapped {
                // Pages past the file's new end read as zeros (see
                // MappingGuard), and zeros are valid deflate codes: what
                // this call decoded may be garbage built from earlier
                // output, including copies of real records at the wrong
                // offsets. Keep only what came before it.
                return truncatedWhileDecoding(keeping: producedBefore)
            }
            if unsafe zstream.pointee.avail_in < availableBefore { insideMember = true }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                // inflate stops when the output is full (the loop ends) or
                // the input ran out (read more, unless bytes are ready).
                // Z_BUF_ERROR only says that no progress was possible.
                guard unsafe zstream.pointee.avail_out > 0, unsafe zstream.pointee.avail_in == 0 else {
                    if unsafe status == Z_BUF_ERROR && zstream.pointee.avail_out > 0 {
                        return try fail(message: "zlib made no progress", produced: produced)
                    }
                    continue
                }
                if produced > 0 { return produced }
                let next: UnsafeRawBufferPointer
                do { unsafe next = unsafe try nextRun() } catch { return try fail(error, produced: produced) }
                if unsafe next.isEmpty {
                    finished = true
                    endedMidStream = insideMember
                    return produced
                }
            case Z_STREAM_END:
                insideMember = false
                atMemberEnd = true
            default:
                return unsafe try fail(message: Self.describe(status, message: zstream.pointee.msg), produced: produced)
            }
        }
        return produced
    }

    // MARK: - Members

    /// After a member's end: skips zero padding and, when more input
    /// follows, resets the decoder for the next member.
    ///
    /// - Returns: false at the end of the input.
    private func startNextMember() throws(ByteStreamError) -> Bool {
        while true {
            while unsafe zstream.pointee.avail_in > 0 {
                guard let next = unsafe zstream.pointee.next_in, unsafe next.pointee == 0 else {
                    atMemberEnd = false
                    unsafe inflateReset(zstream)
                    return true
                }
                unsafe zstream.pointee.next_in = unsafe next + 1
                unsafe zstream.pointee.avail_in -= 1
            }
            let next = unsafe try nextRun()
            if unsafe next.isEmpty {
                atMemberEnd = false
                return false
            }
        }
    }

    /// Hands zlib the next run of input. Returns it (empty at the end).
    private func nextRun() throws(ByteStreamError) -> UnsafeRawBufferPointer {
        unsafe run = unsafe try input.nextRun()
        // Runs are at most a mapping window or a stream buffer, far below
        // 4 GiB, so the 32-bit avail_in holds them.
        unsafe precondition(run.count <= Int(UInt32.max), "compressed input run too large")
        unsafe zstream.pointee.next_in = unsafe run.baseAddress?.assumingMemoryBound(to: Bytef.self)
        unsafe zstream.pointee.avail_in = unsafe UInt32(run.count)
        return unsafe run
    }

    // MARK: - Errors

    /// The file was cut under the decoder: end as a stream cut short,
    /// keeping the `kept` bytes decoded before the cut was noticed.
    private func truncatedWhileDecoding(keeping kept: Int) -> Int {
        finished = true
        endedMidStream = true
        return kept
    }

    /// Remembers a failure: thrown now when nothing was decoded in this
    /// call, else after the caller has the decoded bytes.
    private func fail(message: String, produced: Int) throws(ByteStreamError) -> Int {
        try fail(.corrupt(message: message, compressedOffset: input.offset(afterConsuming: consumedInRun)),
                 produced: produced)
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

    private static func describe(_ status: Int32, message: UnsafePointer<CChar>?) -> String {
        let detail = unsafe message.map { unsafe String(cString: $0) }
        switch status {
        case Z_DATA_ERROR: return "invalid deflate data" + (detail.map { " (\($0))" } ?? "")
        case Z_NEED_DICT: return "the stream needs a preset dictionary"
        case Z_MEM_ERROR: return "zlib ran out of memory"
        default: return "zlib error \(status)" + (detail.map { " (\($0))" } ?? "")
        }
    }
}
