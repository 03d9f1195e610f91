import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Deflates bytes into gzip (RFC 1952) or zlib (RFC 1950) format, with
/// TensorFlow's parameters.
///
/// TensorFlow's `ZlibCompressionOptions` (FORMAT §2.1): method `Z_DEFLATED`,
/// window bits 15 (+16 for the gzip wrapper), memory level 9, the default
/// strategy, level `Z_DEFAULT_COMPRESSION` (-1) unless chosen, and 256 KiB
/// buffers. Fed the same records without intermediate flushes, the output
/// is byte-identical to TensorFlow's `GZIP` and `ZLIB` TFRecord files (the
/// tests check it against the real fixtures).
///
/// With ``GzipSource`` the only files that call zlib.
@safe final class GzipSink: Compressor {
    /// zlib's levels: -1 (default, 6), 0 (store) ... 9 (smallest).
    static let levels: ClosedRange<Int> = Int(Z_DEFAULT_COMPRESSION) ... Int(Z_BEST_COMPRESSION)
    /// TensorFlow's `mem_level`.
    static let memoryLevel: Int32 = 9
    /// TensorFlow's `output_buffer_size`: 256 KiB.
    static let outputBufferSize = 256 << 10

    private let path: String
    // The z_stream must not move (zlib keeps a pointer back to it).
    private let zstream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer
    private var ended = false

    /// A compressor writing `wrapper` format at `level`.
    ///
    /// - Precondition: `level` is in ``levels``.
    /// - Throws: ``WriteRecordError`` (`ENOMEM`) when zlib cannot allocate.
    init(wrapper: GzipSource.Wrapper, level: Int, path: String) throws(WriteRecordError) {
        precondition(Self.levels.contains(level), "zlib level \(level) outside \(Self.levels)")
        self.path = path
        unsafe zstream = .allocate(capacity: 1)
        unsafe zstream.initialize(to: z_stream())
        let status = unsafe deflateInit2_(zstream, Int32(level), Z_DEFLATED, wrapper.windowBits, Self.memoryLevel,
                                   Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            unsafe zstream.deallocate()
            throw WriteRecordError(kind: .open(SystemError(code: ENOMEM)), path: path, offset: 0)
        }
        unsafe output = .allocate(byteCount: Self.outputBufferSize, alignment: 16)
    }

    deinit {
        unsafe deflateEnd(zstream)
        unsafe zstream.deallocate()
        unsafe output.deallocate()
    }

    func compress(_ input: UnsafeRawBufferPointer, flush: CompressorFlush,
                  emit: (UnsafeRawBufferPointer) throws(WriteRecordError) -> Void) throws(WriteRecordError) {
        guard !ended else { return }
        let mode: Int32
        switch flush {
        case .none: mode = Z_NO_FLUSH
        case .sync: mode = Z_SYNC_FLUSH
        case .finish: mode = Z_FINISH
        }
        var remaining = unsafe input
        repeat {
            // avail_in is 32-bit: feed huge inputs in parts.
            let part = unsafe UnsafeRawBufferPointer(rebasing: remaining.prefix(Int(UInt32.max)))
            unsafe remaining = unsafe UnsafeRawBufferPointer(rebasing: remaining.dropFirst(part.count))
            unsafe zstream.pointee.next_in = unsafe part.baseAddress?.assumingMemoryBound(to: Bytef.self)
            unsafe zstream.pointee.avail_in = UInt32(part.count)
            let partMode = unsafe remaining.isEmpty ? mode : Z_NO_FLUSH
            while true {
                unsafe zstream.pointee.next_out = unsafe output.baseAddress?.assumingMemoryBound(to: Bytef.self)
                unsafe zstream.pointee.avail_out = unsafe UInt32(output.count)
                let status = unsafe deflate(zstream, partMode)
                let produced = unsafe output.count - Int(zstream.pointee.avail_out)
                if produced > 0 { unsafe try emit(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
                if status == Z_STREAM_END {
                    ended = true
                    break
                }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    throw WriteRecordError(kind: .write(SystemError(code: EIO)), path: path, offset: 0)
                }
                // Done when the input is used up and deflate had room to
                // spare (nothing pending); Z_FINISH goes on to Z_STREAM_END.
                if unsafe zstream.pointee.avail_in == 0 && zstream.pointee.avail_out > 0 && partMode != Z_FINISH { break }
            }
        } while unsafe !remaining.isEmpty
    }
}
