/// A streaming compressor used by ``RecordFileWriter``: deflate (gzip,
/// zlib) or zstd.
///
/// Input is consumed in full on every call; compressed bytes are handed to
/// `emit` as they are produced, from the compressor's own output buffer
/// (valid only during the call).
protocol Compressor: AnyObject {
    /// Compresses `input`, then applies `flush`.
    ///
    /// - Throws: whatever `emit` throws; a compressor failure (out of
    ///   memory) as ``WriteRecordError``.
    func compress(_ input: UnsafeRawBufferPointer, flush: CompressorFlush,
                  emit: (UnsafeRawBufferPointer) throws(WriteRecordError) -> Void) throws(WriteRecordError)
}

/// What a ``Compressor`` does after consuming its input.
enum CompressorFlush {
    /// Nothing: output comes when the compressor has enough of it.
    case none
    /// Emit everything so far, ending on a byte boundary a reader can
    /// decode up to (zlib `Z_SYNC_FLUSH`, zstd `ZSTD_e_flush`). The stream
    /// stays open; a reader sees a cut stream, i.e. a truncated tail.
    case sync
    /// Finish the stream (gzip/zlib trailer, zstd frame epilogue).
    case finish
}

extension CompressionFormat {
    /// The compression levels a writer accepts for this format, or nil for
    /// ``none``: gzip and zlib `-1 ... 9` (zlib: -1 is the default, 6;
    /// 0 stores), zstd `ZSTD_minCLevel() ... ZSTD_maxCLevel()` (negative
    /// levels are faster; 0 is the default, 3).
    public var levels: ClosedRange<Int>? {
        switch self {
        case .none: return nil
        case .gzip, .zlib: return GzipSink.levels
        case .zstd: return ZstdSink.levels
        }
    }

    /// The level used when none is given: zlib's default (-1, what
    /// TensorFlow's `GZIP`/`ZLIB` options use) or zstd's (3).
    public var defaultLevel: Int {
        switch self {
        case .none: return 0
        case .gzip, .zlib: return -1
        case .zstd: return ZstdSink.defaultLevel
        }
    }

    /// Whether `level` is valid for this format (any level for ``none``,
    /// which ignores it).
    public func acceptsLevel(_ level: Int) -> Bool {
        levels.map { $0.contains(level) } ?? true
    }
}
