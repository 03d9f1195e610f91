#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Writes TFRecords to a file descriptor, framed byte-for-byte as
/// TensorFlow's `RecordWriter` (`core/lib/io/record_writer.cc`) frames them.
///
/// Each payload becomes (FORMAT §1.1, ``TFRecordLayout``):
///
///     length (UInt64 LE) | masked CRC-32C of those 8 bytes | payload | masked CRC-32C of the payload
///
/// Records are gathered in an output buffer (1 MiB by default) and written
/// with `write(2)` when it fills, on ``flush()`` and on ``close()``; a
/// payload larger than the buffer is written straight from the caller's
/// memory. `EINTR` and short writes are retried. Nothing is allocated per
/// record.
///
/// ```swift
/// let writer = try RecordWriter(path: "events.out.tfevents.1600000000.host")
/// var encoder = EventEncoder()
/// encoder.encode(.fileVersion(wallTime: 1_600_000_000))
/// try writer.write(encoder.span)
/// try writer.close()
/// ```
///
/// Releasing a writer without closing it flushes what it can and closes its
/// descriptor, ignoring errors: call ``close()`` to hear about them.
@safe public final class RecordWriter {
    /// How ``init(path:mode:permissions:bufferCapacity:)`` opens the file.
    public enum OpenMode: Sendable {
        /// Create the file or truncate it to zero length.
        case truncate
        /// Create the file or append to its end (records keep their offsets).
        case append
        /// Create the file; fail if it exists.
        case createNew
    }

    /// The file path, for errors.
    public let path: String
    /// File offset of the next record: where the writer started plus every
    /// framed byte accepted so far (buffered or written).
    public private(set) var offset: Int
    /// Bytes handed to `write(2)` successfully; ``offset`` minus what is buffered.
    public var flushedOffset: Int { offset - filled }

    private let fd: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutableRawBufferPointer
    private var filled = 0
    private var isClosed = false

    /// Default output buffer: 1 MiB.
    public static let defaultBufferCapacity = 1 << 20

    /// Opens (or creates, with `permissions`, 0644 by default) `path` for writing records.
    ///
    /// - Throws: ``WriteRecordError`` with kind `open` when the file cannot be opened.
    public convenience init(path: String, mode: OpenMode = .truncate, permissions: UInt32 = 0o644,
                            bufferCapacity: Int = RecordWriter.defaultBufferCapacity) throws(WriteRecordError) {
        var flags = O_WRONLY | O_CREAT | O_CLOEXEC
        switch mode {
        case .truncate: flags |= O_TRUNC
        case .append: flags |= O_APPEND
        case .createNew: flags |= O_EXCL
        }
        let fd = retryingOnInterrupt { open(path, flags, mode_t(truncatingIfNeeded: permissions)) }
        guard fd >= 0 else { throw WriteRecordError(kind: .open(.current), path: path, offset: 0) }
        var start = 0
        if mode == .append {
            let end = lseek(fd, 0, SEEK_END)
            guard end >= 0 else {
                let error = SystemError.current
                _ = closeFile(fd)
                throw WriteRecordError(kind: .open(error), path: path, offset: 0)
            }
            start = Int(end)
        }
        self.init(fileDescriptor: fd, path: path, closeOnDeinit: true, startOffset: start,
                  bufferCapacity: bufferCapacity)
    }

    /// Writes records to an open descriptor (a file, a pipe, standard output).
    ///
    /// - Parameters:
    ///   - closeOnDeinit: whether ``close()`` and deinit close `fd`.
    ///   - startOffset: the offset of the first record, for ``offset`` and errors.
    ///   - bufferCapacity: the output buffer size; at least one header.
    public init(fileDescriptor fd: Int32, path: String, closeOnDeinit: Bool, startOffset: Int = 0,
                bufferCapacity: Int = RecordWriter.defaultBufferCapacity) {
        self.fd = fd
        self.path = path
        ownsDescriptor = closeOnDeinit
        offset = startOffset
        unsafe buffer = .allocate(byteCount: max(bufferCapacity, TFRecordLayout.framingOverhead), alignment: 16)
    }

    deinit {
        if !isClosed {
            _ = try? flush()
            if ownsDescriptor { _ = closeFile(fd) }
        }
        unsafe buffer.deallocate()
    }

    // MARK: - Writing

    /// Appends one record holding `payload`.
    ///
    /// The record is buffered; it reaches the file when the buffer fills, or
    /// on ``flush()`` / ``close()``.
    ///
    /// - Throws: ``WriteRecordError`` when writing out the buffer fails (the
    ///   record is then not accepted and ``offset`` does not move), or when
    ///   the writer is closed.
    @unsafe
    package func write(unsafeBytes payload: UnsafeRawBufferPointer) throws(WriteRecordError) {
        guard !isClosed else { throw WriteRecordError(kind: .closed, path: path, offset: offset) }
        let total = payload.count + TFRecordLayout.framingOverhead
        if unsafe filled + total > buffer.count { try flush() }
        if unsafe total <= buffer.count {
            // Fits the (now possibly empty) buffer: one copy, framed in place.
            // filled + total <= buffer.count, so every store below is in bounds.
            unsafe Self.frame(payload, into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled ..< filled + total]))
            filled += total
            offset += total
            return
        }
        // Larger than the buffer (which flush() emptied): header from the
        // buffer, payload from the caller's memory, footer buffered.
        let header = unsafe UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< TFRecordLayout.headerLength])
        unsafe Self.storeHeader(length: payload.count, into: header)
        unsafe try writeAll(UnsafeRawBufferPointer(header), at: offset)
        unsafe try writeAll(payload, at: offset + TFRecordLayout.headerLength)
        if let base = unsafe buffer.baseAddress {
            unsafe storeLE32(MaskedCRC(crc: CRC32C.checksum(unsafeBytes: payload)).rawValue, at: base)
        }
        filled = TFRecordLayout.footerLength
        offset += total
    }

    /// Appends one record holding `payload`.
    public func write(_ payload: [UInt8]) throws(WriteRecordError) {
        try write(payload.rawSpan)
    }

    /// Appends one record holding `payload`.
    public func write(_ payload: RawSpan) throws(WriteRecordError) {
        try unsafe payload.withUnsafeBytes { bytes throws(WriteRecordError) in try unsafe write(unsafeBytes: bytes) }
    }

    /// Hands every buffered byte to `write(2)`.
    ///
    /// Does not `fsync`. On failure the bytes not written stay buffered.
    public func flush() throws(WriteRecordError) {
        guard filled > 0 else { return }
        var written = 0
        defer {
            // Keep what was not written at the front of the buffer.
            if written > 0 && written < filled, let base = unsafe buffer.baseAddress {
                unsafe base.copyMemory(from: base + written, byteCount: filled - written)
            }
            filled -= written
        }
        let start = flushedOffset
        guard let base = unsafe buffer.baseAddress else { return }
        while written < filled {
            let count = retryingOnInterrupt { unsafe writeToFile(fd, base + written, filled - written) }
            if count < 0 {
                throw WriteRecordError(kind: .write(.current), path: path, offset: start + written)
            }
            if count == 0 { throw WriteRecordError(kind: .noProgress, path: path, offset: start + written) }
            written += count
        }
    }

    /// Flushes, then closes the descriptor if the writer owns it. Later
    /// writes throw `closed`; closing twice does nothing.
    public func close() throws(WriteRecordError) {
        guard !isClosed else { return }
        try flush()
        isClosed = true
        if ownsDescriptor && closeFile(fd) != 0 {
            throw WriteRecordError(kind: .close(.current), path: path, offset: offset)
        }
    }

    /// `write(2)` of all of `bytes`, retrying EINTR and short writes.
    private func writeAll(_ bytes: UnsafeRawBufferPointer, at fileOffset: Int) throws(WriteRecordError) {
        guard var p = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let count = retryingOnInterrupt { unsafe writeToFile(fd, p, remaining) }
            let failedAt = fileOffset + (bytes.count - remaining)
            if count < 0 { throw WriteRecordError(kind: .write(.current), path: path, offset: failedAt) }
            if count == 0 { throw WriteRecordError(kind: .noProgress, path: path, offset: failedAt) }
            unsafe p += count
            remaining -= count
        }
    }

    // MARK: - Framing without a file

    /// Frames `payload` as one record into `output`, which must hold exactly
    /// `payload.count + TFRecordLayout.framingOverhead` bytes.
    ///
    /// - Precondition: `output.count == payload.count + 16`.
    @unsafe
    package static func frame(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == payload.count + TFRecordLayout.framingOverhead, "output size must be payload + 16")
        guard let base = output.baseAddress else { return }
        unsafe storeHeader(length: payload.count, into: output)
        if let source = payload.baseAddress, payload.count > 0 {
            unsafe (base + TFRecordLayout.headerLength).copyMemory(from: source, byteCount: payload.count)
        }
        let crc = unsafe MaskedCRC(crc: CRC32C.checksum(unsafeBytes: payload))
        unsafe storeLE32(crc.rawValue, at: base + TFRecordLayout.headerLength + payload.count)
    }

    /// Appends `payload` framed as one record to `output`.
    public static func frame(_ payload: RawSpan, appendingTo output: inout [UInt8]) {
        unsafe payload.withUnsafeBytes { unsafe frame(unsafeBytes: $0, appendingTo: &output) }
    }

    /// Appends `payload` framed as one record to `output`.
    @unsafe
    package static func frame(unsafeBytes payload: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: payload.count + TFRecordLayout.framingOverhead))
        unsafe output.withUnsafeMutableBytes { target in
            unsafe frame(payload, into: UnsafeMutableRawBufferPointer(rebasing: target[start...]))
        }
    }

    /// Appends `payload` framed as one record to `output`.
    public static func frame(_ payload: [UInt8], appendingTo output: inout [UInt8]) {
        frame(payload.rawSpan, appendingTo: &output)
    }

    /// `payload` framed as one record: the exact bytes TensorFlow writes.
    public static func framed(_ payload: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(payload.count + TFRecordLayout.framingOverhead)
        frame(payload, appendingTo: &output)
        return output
    }

    /// Stores the 12-byte header for a payload of `length` bytes at the
    /// start of `output` (at least 12 bytes).
    private static func storeHeader(length: Int, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= TFRecordLayout.headerLength)
        guard let base = output.baseAddress else { return }
        let length64 = UInt64(length)
        unsafe storeLE32(UInt32(truncatingIfNeeded: length64), at: base)
        unsafe storeLE32(UInt32(truncatingIfNeeded: length64 >> 32), at: base + 4)
        let lengthCRC = unsafe MaskedCRC(crc: CRC32C.checksum(unsafeBytes: UnsafeRawBufferPointer(
            start: base, count: TFRecordLayout.lengthFieldLength)))
        unsafe storeLE32(lengthCRC.rawValue, at: base + TFRecordLayout.lengthCRCOffset)
    }
}

/// Stores `value` little-endian at `pointer` (no alignment needed).
private func storeLE32(_ value: UInt32, at pointer: UnsafeMutableRawPointer) {
    unsafe pointer.storeBytes(of: value.littleEndian, as: UInt32.self)
}

