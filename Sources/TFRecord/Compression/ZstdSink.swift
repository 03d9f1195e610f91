import CZstd
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Compresses bytes into a Zstandard frame with a content checksum.
///
/// One frame per file (closed by ``CompressorFlush/finish``); a
/// ``CompressorFlush/sync`` flush ends the current block so a reader can
/// decode everything written so far. The frame carries zstd's XXH64
/// content checksum, as the `zstd` tool writes by default.
@safe final class ZstdSink: Compressor {
    /// zstd's levels, negative (fast) to ``ZSTD_maxCLevel()``; 0 = default.
    static let levels: ClosedRange<Int> = Int(ZSTD_minCLevel()) ... Int(ZSTD_maxCLevel())
    /// The `zstd` tool's default level.
    static let defaultLevel = Int(ZSTD_CLEVEL_DEFAULT)

    private let path: String
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    private var ended = false

    /// A compressor at `level`.
    ///
    /// - Precondition: `level` is in ``levels``.
    /// - Throws: ``WriteRecordError`` (`ENOMEM`) when zstd cannot allocate.
    init(level: Int, path: String) throws(WriteRecordError) {
        precondition(Self.levels.contains(level), "zstd level \(level) outside \(Self.levels)")
        self.path = path
        guard let context = unsafe ZSTD_createCCtx() else {
            throw WriteRecordError(kind: .open(SystemError(code: ENOMEM)), path: path, offset: 0)
        }
        unsafe self.context = unsafe context
        _ = unsafe ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        _ = unsafe ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        unsafe output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    }

    deinit {
        unsafe ZSTD_freeCCtx(context)
        unsafe output.deallocate()
    }

    func compress(_ input: UnsafeRawBufferPointer, flush: CompressorFlush,
                  emit: (UnsafeRawBufferPointer) throws(WriteRecordError) -> Void) throws(WriteRecordError) {
        guard !ended else { return }
        let directive: ZSTD_EndDirective
        switch flush {
        case .none: directive = ZSTD_e_continue
        case .sync: directive = ZSTD_e_flush
        case .finish: directive = ZSTD_e_end
        }
        var inBuffer = unsafe ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var outBuffer = unsafe ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let remaining = unsafe ZSTD_compressStream2(context, &outBuffer, &inBuffer, directive)
            if ZSTD_isError(remaining) != 0 {
                throw WriteRecordError(kind: .write(SystemError(code: ENOMEM)), path: path, offset: 0)
            }
            if unsafe outBuffer.pos > 0 { unsafe try emit(UnsafeRawBufferPointer(rebasing: output[..<outBuffer.pos])) }
            switch directive {
            case ZSTD_e_continue:
                if unsafe inBuffer.pos == inBuffer.size { return }
            default:
                // flush/end: `remaining` is what is still buffered inside.
                if unsafe remaining == 0 && inBuffer.pos == inBuffer.size {
                    if directive == ZSTD_e_end { ended = true }
                    return
                }
            }
        }
    }
}
