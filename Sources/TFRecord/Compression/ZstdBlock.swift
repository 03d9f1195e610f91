import CZstd

/// One-shot zstd compression of whole blocks, for the index file.
///
/// (Streaming decompression of event files lives in the zstd stream
/// source; this is the block API: one buffer in, one buffer out.)
package enum ZstdBlock {
    /// Compresses `bytes` into one zstd frame.
    package static func compress(_ bytes: [UInt8], level: Int32 = 3) -> [UInt8] {
        var output: [UInt8] = []
        compress(bytes, into: &output, level: level)
        return output
    }

    /// Compresses `bytes` into `output`, reusing its capacity (a buffer that
    /// was already touched is much cheaper than fresh memory) and, when
    /// given, a compression context (creating one per call costs more than
    /// compressing a small block).
    package static func compress(_ bytes: [UInt8], into output: inout [UInt8], level: Int32 = 1,
                         context: Context? = nil) {
        let bound = ZSTD_compressBound(bytes.count)
        if output.count < bound { output.append(contentsOf: repeatElement(0, count: bound - output.count)) }
        let written = unsafe output.withUnsafeMutableBytes { out in
            unsafe bytes.withUnsafeBytes { input in
                if let cctx = unsafe context?.cctx {
                    return unsafe ZSTD_compressCCtx(cctx, out.baseAddress, out.count, input.baseAddress, input.count, level)
                }
                return unsafe ZSTD_compress(out.baseAddress, out.count, input.baseAddress, input.count, level)
            }
        }
        // Compressing into a buffer of ZSTD_compressBound bytes cannot fail.
        let length = ZSTD_isError(written) != 0 ? 0 : written
        output.removeSubrange(length...)
    }

    /// Like ``compress(_:into:level:context:)``, ending a zstd block at
    /// each offset of `blockStarts` (ascending, inside `bytes`) that leaves
    /// at least `minimumStretch` bytes on both sides: each stretch gets its
    /// own entropy tables. A column stored as byte planes (``ColumnCodec``)
    /// mixes random low bytes with nearly constant high bytes, and one block
    /// spanning a plane boundary codes both with one table; with a block
    /// per plane the random planes are stored raw and the others shrink.
    /// The frame stays one ordinary frame (matches reach across the blocks;
    /// the content size is recorded as ``decompress(_:size:)`` requires).
    package static func compress(_ bytes: [UInt8], into output: inout [UInt8], level: Int32 = 1,
                                 context: Context, blockStarts: [Int], minimumStretch: Int = 4096) {
        var ends: [Int] = []
        var last = 0
        for start in blockStarts where start - last >= minimumStretch && bytes.count - start >= minimumStretch {
            ends.append(start)
            last = start
        }
        guard !ends.isEmpty, let cctx = unsafe context.cctx else {
            compress(bytes, into: &output, level: level, context: context)
            return
        }
        ends.append(bytes.count)
        // Each flush adds at most one block header (3 bytes) to the bound.
        let bound = ZSTD_compressBound(bytes.count) &+ 8 &* ends.count &+ 64
        if output.count < bound { output.append(contentsOf: repeatElement(0, count: bound - output.count)) }
        unsafe ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters)
        unsafe ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        unsafe ZSTD_CCtx_setPledgedSrcSize(cctx, UInt64(bytes.count))
        let written: Int? = unsafe output.withUnsafeMutableBytes { out in
            unsafe bytes.withUnsafeBytes { input in
                var outBuffer = unsafe ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                var from = 0
                for end in ends {
                    // from <= end <= input.count: the stretch is inside.
                    var inBuffer = unsafe ZSTD_inBuffer(src: input.baseAddress.map { unsafe $0 + from },
                                                        size: end &- from, pos: 0)
                    let directive = end == input.count ? ZSTD_e_end : ZSTD_e_flush
                    while true {
                        let left = unsafe ZSTD_compressStream2(cctx, &outBuffer, &inBuffer, directive)
                        if ZSTD_isError(left) != 0 { return nil }
                        if unsafe left == 0 && inBuffer.pos == inBuffer.size { break }
                        // The bound leaves room for everything: no room
                        // left means something is wrong; never spin.
                        if unsafe outBuffer.pos == outBuffer.size { return nil }
                    }
                    from = end
                }
                return unsafe outBuffer.pos
            }
        }
        guard let written else {
            compress(bytes, into: &output, level: level, context: context)
            return
        }
        output.removeSubrange(written...)
    }

    /// A frame that does not decompress to exactly the size asked for.
    package struct DamagedFrame: Error {}

    /// A reusable compression context; one per thread.
    @safe package final class Context {
        let cctx: OpaquePointer?
        package init() { unsafe cctx = unsafe ZSTD_createCCtx() }
        deinit { unsafe ZSTD_freeCCtx(cctx) }
    }

    /// Decompresses one frame that must hold exactly `size` bytes.
    ///
    /// - Throws: ``DamagedFrame`` when the frame is damaged or its content
    ///   size differs; nothing larger than `size` is allocated.
    package static func decompress(_ bytes: [UInt8], size: Int) throws(DamagedFrame) -> [UInt8] {
        // The frame header states its content size (our writer always
        // records it): check it before allocating anything.
        let declared = unsafe bytes.withUnsafeBytes { unsafe ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        guard size >= 0, declared == UInt64(size) else { throw DamagedFrame() }
        var failed = false
        let output = unsafe [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            let written = unsafe bytes.withUnsafeBytes { input in
                unsafe ZSTD_decompress(out.baseAddress, out.count, input.baseAddress, input.count)
            }
            // Only a complete frame of exactly `size` bytes counts as
            // initialized; anything else is discarded unread.
            if ZSTD_isError(written) == 0 && written == size {
                initialized = size
            } else {
                failed = true
                initialized = 0
            }
        }
        guard !failed else { throw DamagedFrame() }
        return output
    }
}
