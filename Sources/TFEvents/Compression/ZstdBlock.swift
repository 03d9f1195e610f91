import CZstd

/// One-shot zstd compression of whole blocks, for the index file.
///
/// (Streaming decompression of event files lives in the zstd stream
/// source; this is the block API: one buffer in, one buffer out.)
enum ZstdBlock {
    /// Compresses `bytes` into one zstd frame.
    static func compress(_ bytes: [UInt8], level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(bytes.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { input in
                ZSTD_compress(out.baseAddress, out.count, input.baseAddress, input.count, level)
            }
        }
        // Compressing into a buffer of ZSTD_compressBound bytes cannot fail.
        output.removeSubrange(Int(ZSTD_isError(written)) != 0 ? 0... : written...)
        return output
    }

    /// Decompresses one frame that must hold exactly `size` bytes.
    ///
    /// - Throws: ``IndexDecodingError`` when the frame is damaged or its
    ///   content size differs; nothing larger than `size` is allocated.
    static func decompress(_ bytes: [UInt8], size: Int) throws(IndexDecodingError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        let written = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { input in
                ZSTD_decompress(out.baseAddress, out.count, input.baseAddress, input.count)
            }
        }
        guard ZSTD_isError(written) == 0, written == size else { throw IndexDecodingError(offset: 0) }
        return output
    }
}
