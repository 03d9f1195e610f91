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
