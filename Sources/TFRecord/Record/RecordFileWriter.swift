#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Writes TFRecords to a file, uncompressed or through gzip, zlib or zstd.
///
/// Uncompressed files are written by ``RecordWriter`` and are exactly what
/// TensorFlow writes. Compressed files hold the same framed records
/// compressed as one stream (FORMAT §2.1): TensorFlow's `GZIP` and `ZLIB`
/// TFRecord options (byte-identical for the same records when never
/// flushed in between, see ``GzipSink``), or a zstd frame. Every format is
/// read back by ``RecordReader``, which detects it from the content.
///
/// Framed records are gathered in a 256 KiB input buffer (TensorFlow's
/// `ZlibOutputBuffer` size) and compressed when it fills; a payload larger
/// than the buffer is compressed straight from the caller's memory.
///
/// ``flush()`` makes every record written so far readable by a concurrent
/// reader: a compressed stream is sync-flushed (zlib `Z_SYNC_FLUSH`, zstd
/// `ZSTD_e_flush`), so a reader decodes all the records and sees the
/// unfinished stream as a truncated tail. ``close()`` finishes the stream.
/// Releasing a writer without closing it finishes and closes what it can,
/// ignoring errors.
///
/// ```swift
/// let writer = try RecordFileWriter(path: "log.tfevents.gz", compression: .gzip, level: 9)
/// try writer.write(payload)
/// try writer.close()
/// ```
@safe public final class RecordFileWriter {
    private enum Output {
        case plain(RecordWriter)
        case compressed(any Compressor)
    }

    /// The file path.
    public let path: String
    /// The format written.
    public let compression: CompressionFormat
    /// The compression level used (``CompressionFormat/defaultLevel`` when
    /// none was given; 0 for uncompressed files).
    public let level: Int
    /// Offset of the next record in the uncompressed stream: every framed
    /// byte accepted so far (for a compressed file opened in
    /// ``RecordWriter/OpenMode/append`` mode, counted from this writer's
    /// first record).
    public private(set) var offset = 0

    private let output: Output
    private var fd: Int32 = -1
    private var ownsDescriptor = false
    private var input = unsafe UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var filled = 0
    /// Compressed bytes handed to `write(2)`.
    public private(set) var compressedBytesWritten = 0
    private var isClosed = false

    /// Input buffer for compressed formats: 256 KiB, as TensorFlow.
    public static let compressionBufferSize = 256 << 10

    /// Creates `path` (failing if it exists unless `mode` says otherwise)
    /// and prepares to write `compression` at `level`.
    ///
    /// - Parameters:
    ///   - level: the compression level, or nil for the format's default.
    ///   - mode: ``RecordWriter/OpenMode/createNew`` by default, so nothing is
    ///     overwritten by accident. Appending to a compressed file starts a
    ///     new gzip member or zstd frame, which readers read on as one stream
    ///     (zlib streams are read on the same way).
    ///   - permissions: for a created file.
    /// - Precondition: `level` is accepted by the format
    ///   (``CompressionFormat/acceptsLevel(_:)``).
    /// - Throws: ``WriteRecordError`` when the file cannot be opened.
    public convenience init(path: String, compression: CompressionFormat = .none, level: Int? = nil,
                            mode: RecordWriter.OpenMode = .createNew, permissions: UInt32 = 0o644) throws(WriteRecordError) {
        precondition(compression.acceptsLevel(level ?? compression.defaultLevel),
                     "level \(level ?? 0) is not valid for \(compression)")
        var flags = O_WRONLY | O_CREAT | O_CLOEXEC
        switch mode {
        case .truncate: flags |= O_TRUNC
        case .append: flags |= O_APPEND
        case .createNew: flags |= O_EXCL
        }
        let fd = retryingOnInterrupt { openForWriting(path, flags, mode_t(permissions)) }
        guard fd >= 0 else { throw WriteRecordError(kind: .open(.current), path: path, offset: 0) }
        var start = 0
        if mode == .append && compression == .none {
            let end = lseek(fd, 0, SEEK_END)
            if end > 0 { start = Int(end) }
        }
        try self.init(fileDescriptor: fd, path: path, closeOnDeinit: true, compression: compression, level: level,
                      startOffset: start)
    }

    /// Writes records to an open descriptor (a file, a pipe, standard
    /// output), in `compression` at `level`.
    ///
    /// - Parameters:
    ///   - closeOnDeinit: whether ``close()`` and deinit close `fd`.
    ///   - startOffset: the offset of the first record, for ``offset``.
    /// - Precondition: `level` is accepted by the format.
    /// - Throws: ``WriteRecordError`` when the compressor cannot be created
    ///   (then `fd` is closed if `closeOnDeinit`).
    public init(fileDescriptor fd: Int32, path: String, closeOnDeinit: Bool, compression: CompressionFormat = .none,
                level: Int? = nil, startOffset: Int = 0) throws(WriteRecordError) {
        let level = level ?? compression.defaultLevel
        precondition(compression.acceptsLevel(level), "level \(level) is not valid for \(compression)")
        self.path = path
        self.compression = compression
        self.level = compression == .none ? 0 : level
        offset = startOffset
        do {
            switch compression {
            case .none:
                output = .plain(RecordWriter(fileDescriptor: fd, path: path, closeOnDeinit: closeOnDeinit,
                                             startOffset: startOffset))
                return
            case .gzip:
                output = .compressed(try GzipSink(wrapper: .gzip, level: level, path: path))
            case .zlib:
                output = .compressed(try GzipSink(wrapper: .zlib, level: level, path: path))
            case .zstd:
                output = .compressed(try ZstdSink(level: level, path: path))
            }
        } catch {
            if closeOnDeinit { closeFile(fd) }
            throw error
        }
        self.fd = fd
        ownsDescriptor = closeOnDeinit
        unsafe input = .allocate(byteCount: Self.compressionBufferSize, alignment: 16)
    }

    deinit {
        if !isClosed {
            _ = try? finish()
            if fd >= 0 && ownsDescriptor { closeFile(fd) }
        }
        unsafe input.deallocate()
    }

    // MARK: - Writing

    /// Appends one record holding `payload`.
    ///
    /// - Throws: ``WriteRecordError`` when writing fails or the writer is closed.
    @unsafe
    package func write(unsafeBytes payload: UnsafeRawBufferPointer) throws(WriteRecordError) {
        guard !isClosed else { throw WriteRecordError(kind: .closed, path: path, offset: offset) }
        switch output {
        case .plain(let writer):
            unsafe try writer.write(unsafeBytes: payload)
            offset = writer.offset
        case .compressed(let compressor):
            let total = payload.count + TFRecordLayout.framingOverhead
            if unsafe filled + total > input.count { try compressBuffered(compressor, flush: .none) }
            if unsafe total <= input.count {
                // filled + total <= input.count: framed in place, one copy.
                unsafe RecordWriter.frame(payload, into: UnsafeMutableRawBufferPointer(rebasing: input[filled ..< filled + total]))
                filled += total
            } else {
                // Larger than the buffer (now empty): header, payload straight
                // from the caller, footer.
                unsafe Self.storeHeader(length: payload.count, into: input)
                filled = TFRecordLayout.headerLength
                try compressBuffered(compressor, flush: .none)
                unsafe try compressor.compress(payload, flush: .none, emit: writeOut)
                unsafe Self.storeLE32(MaskedCRC(crc: CRC32C.checksum(unsafeBytes: payload)).rawValue, into: input)
                filled = TFRecordLayout.footerLength
            }
            offset += total
        }
    }

    /// Appends one record holding `payload`.
    public func write(_ payload: [UInt8]) throws(WriteRecordError) {
        try write(payload.rawSpan)
    }

    /// Appends one record holding `payload`.
    public func write(_ payload: RawSpan) throws(WriteRecordError) {
        try unsafe payload.withUnsafeBytes { bytes throws(WriteRecordError) in try unsafe write(unsafeBytes: bytes) }
    }

    /// Makes every record written so far reach the file, readable by a
    /// concurrent reader (compressed streams are sync-flushed; the stream
    /// stays open). Does not `fsync`.
    public func flush() throws(WriteRecordError) {
        guard !isClosed else { return }
        switch output {
        case .plain(let writer): try writer.flush()
        case .compressed(let compressor): try compressBuffered(compressor, flush: .sync)
        }
    }

    /// Finishes the stream (trailer, frame end), writes it out and closes
    /// the file. Later writes throw `closed`; closing twice does nothing.
    public func close() throws(WriteRecordError) {
        guard !isClosed else { return }
        try finish()
        isClosed = true
        if case .plain(let writer) = output { try writer.close() }
        if fd >= 0 && ownsDescriptor {
            let status = closeFile(fd)
            fd = -1
            if status != 0 { throw WriteRecordError(kind: .close(.current), path: path, offset: offset) }
        }
    }

    private func finish() throws(WriteRecordError) {
        if case .compressed(let compressor) = output { try compressBuffered(compressor, flush: .finish) }
    }

    // MARK: - Compressed output

    private func compressBuffered(_ compressor: any Compressor, flush: CompressorFlush) throws(WriteRecordError) {
        let pending = unsafe UnsafeRawBufferPointer(rebasing: input[..<filled])
        filled = 0
        unsafe try compressor.compress(pending, flush: flush, emit: writeOut)
    }

    /// `write(2)` of all of `bytes`, retrying `EINTR` and short writes.
    private func writeOut(_ bytes: UnsafeRawBufferPointer) throws(WriteRecordError) {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let count = retryingOnInterrupt { unsafe writeToFile(fd, pointer, remaining) }
            if count < 0 { throw WriteRecordError(kind: .write(.current), path: path, offset: compressedBytesWritten) }
            if count == 0 { throw WriteRecordError(kind: .noProgress, path: path, offset: compressedBytesWritten) }
            unsafe pointer += count
            remaining -= count
            compressedBytesWritten += count
        }
    }

    /// The 12-byte header of a `length`-byte payload, at the start of `buffer`.
    private static func storeHeader(length: Int, into buffer: UnsafeMutableRawBufferPointer) {
        let length64 = UInt64(length)
        unsafe storeLE32(UInt32(truncatingIfNeeded: length64), into: buffer)
        unsafe storeLE32(UInt32(truncatingIfNeeded: length64 >> 32), into: UnsafeMutableRawBufferPointer(rebasing: buffer[4...]))
        let crc = unsafe MaskedCRC(crc: CRC32C.checksum(unsafeBytes: UnsafeRawBufferPointer(rebasing: buffer[..<TFRecordLayout.lengthFieldLength])))
        unsafe storeLE32(crc.rawValue, into: UnsafeMutableRawBufferPointer(rebasing: buffer[TFRecordLayout.lengthCRCOffset...]))
    }

    private static func storeLE32(_ value: UInt32, into buffer: UnsafeMutableRawBufferPointer) {
        unsafe buffer.storeBytes(of: value.littleEndian, as: UInt32.self)
    }
}
