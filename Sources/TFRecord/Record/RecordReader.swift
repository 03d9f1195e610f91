#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Reads TFRecords one at a time, verifying each, from a mapped file, a
/// byte stream (pipe, standard input, decompressor) or a byte array.
///
/// ```swift
/// var reader = try RecordReader(path: "events.out.tfevents.1.host")
/// while true {
///     do {
///         guard let record = try reader.next() else { break }
///         print(record.offset, record.payloadLength)
///     } catch where error.isResumable {
///         print("skipping:", error)
///     }
/// }
/// print(reader.endState)   // clean, truncated tail, or stopped
/// ```
///
/// Records are borrowed views (``RecordView``) into the mapping or the
/// reader's window: no copy and no allocation per record. A view borrows
/// the reader: while it is in use the reader cannot read on, and it cannot
/// be kept past the reader's next call (the compiler rejects both). Each length CRC is
/// verified before the length is used; each payload CRC is verified unless
/// ``RecordReaderOptions/verifyPayloadChecksums`` is off. A record that runs
/// past the end of the data is a truncated tail (``EndState/truncated``),
/// not an error: the file is probably still being written.
@safe public struct RecordReader: ~Copyable {
    /// How reading ended. ``reading`` until ``RecordReader/next()`` returned nil.
    public enum EndState: Equatable, Sendable {
        /// Not at the end yet.
        case reading
        /// Every byte was consumed by whole records (or reported bad ones).
        case clean(offset: Int)
        /// The data ends inside a record: `validEnd` is the offset after the
        /// last complete record, `trailingBytes` the bytes after it.
        case truncated(validEnd: Int, trailingBytes: Int)
        /// Reading stopped at an error (see the options' policies).
        case stopped(at: Int)
    }

    /// The file path, or a label for streams and buffers.
    public let path: String
    /// The options given at creation.
    public let options: RecordReaderOptions
    /// How the underlying bytes are compressed (records are always read
    /// from the uncompressed stream).
    public let compression: CompressionFormat
    /// How reading ended, once ``next()`` has returned nil.
    public private(set) var endState: EndState = .reading

    private let backend: CRC32C.Backend
    private let owner: AnyObject?        // keeps the mapping or array alive
    private let window: StreamWindow?    // streams: the window buffer
    private let mapping: SlidingMapping? // regular files: the mapped window
    private let mappedFile: MappedFile?  // a whole-file mapping given by the caller
    private var base: UnsafeRawPointer?  // start of the readable buffer
    private var limit: Int               // readable bytes at `base`
    private var position = 0             // read position in the buffer
    private var bufferOffset: Int        // stream offset of base[0]

    /// Stream offset of the next unread byte: after the last record returned,
    /// bad record reported, or bytes skipped.
    public var offset: Int { bufferOffset + position }

    /// How far into the input reading got, in the input's own bytes: the
    /// compressed bytes decoded so far for a compressed file (up to a chunk
    /// ahead of ``offset``), else ``offset``. For progress against the size
    /// on disk.
    public var inputOffset: Int { window?.inputOffset ?? offset }

    /// Reads a mapped regular file from `startOffset` (a record boundary).
    public init(mappedFile: MappedFile, options: RecordReaderOptions = .init()) {
        path = mappedFile.path
        self.options = options
        compression = .none
        backend = .active
        owner = mappedFile
        window = nil
        mapping = nil
        self.mappedFile = mappedFile
        let (start, count) = unsafe mappedFile.withUnsafeBytes { unsafe (UnsafeRawPointer($0.baseAddress), $0.count) }
        unsafe base = unsafe start
        limit = count
        bufferOffset = mappedFile.startOffset
    }

    /// Reads a regular file through a sliding mapping from `startOffset`.
    package init(mapping: SlidingMapping, startOffset: Int, options: RecordReaderOptions) {
        path = mapping.path
        self.options = options
        compression = .none
        backend = .active
        owner = nil
        window = nil
        self.mapping = mapping
        mappedFile = nil
        unsafe base = nil
        limit = 0
        bufferOffset = startOffset
    }

    /// Reads a stream through a window buffer.
    ///
    /// The reader takes over the stream. With
    /// ``RecordReaderOptions/readAhead`` set to ``RecordReaderOptions/ReadAhead/always``
    /// it is read on a second thread, ahead of the records being returned.
    ///
    /// - Parameters:
    ///   - startOffset: the stream offset of the stream's first byte (for
    ///     error messages and ``offset``).
    ///   - windowCapacity: the chunk size the stream is read in; a record
    ///     larger than that is assembled in a buffer of its own.
    ///   - compression: what the stream decodes, for reporting.
    package init(stream: any ByteStream, path: String, startOffset: Int = 0,
                windowCapacity: Int = StreamWindow.defaultCapacity, compression: CompressionFormat = .none,
                options: RecordReaderOptions = .init()) {
        self.init(stream: stream, path: path, startOffset: startOffset, skipping: 0,
                  windowCapacity: windowCapacity, compression: compression,
                  background: options.readAhead == .always, options: options)
    }

    /// Reads a stream, discarding its first `skipping` bytes (a start offset
    /// inside a compressed file), optionally on a second thread.
    package init(stream: any ByteStream, path: String, startOffset: Int, skipping: Int, windowCapacity: Int,
         compression: CompressionFormat, background: Bool, options: RecordReaderOptions) {
        self.path = path
        self.options = options
        self.compression = compression
        backend = .active
        owner = nil
        window = StreamWindow(stream: stream, capacity: windowCapacity, startOffset: startOffset,
                              skipping: skipping, background: background)
        mapping = nil
        mappedFile = nil
        unsafe base = nil
        limit = 0
        bufferOffset = startOffset - skipping
    }

    /// Reads a small file's bytes, read whole, from `startOffset` (the file
    /// offset of their first byte).
    init(wholeFile: WholeFileBytes, path: String, startOffset: Int, options: RecordReaderOptions) {
        unsafe self.init(owner: wholeFile, bytes: wholeFile.bytes, path: path, startOffset: startOffset, options: options)
    }

    /// Reads records from a copy-free view of `bytes` (tests, fuzzing).
    public init(bytes: [UInt8], path: String = "<memory>", options: RecordReaderOptions = .init()) {
        let box = ByteBox(bytes)
        unsafe self.init(owner: box, bytes: box.bytes, path: path, startOffset: 0, options: options)
    }

    /// Reads a buffer in memory that `owner` keeps alive, whose first byte
    /// is at `startOffset` of the input.
    private init(owner: AnyObject, bytes: UnsafeRawBufferPointer, path: String, startOffset: Int,
                 options: RecordReaderOptions) {
        self.path = path
        self.options = options
        compression = .none
        backend = .active
        self.owner = owner
        window = nil
        mapping = nil
        mappedFile = nil
        unsafe base = unsafe bytes.baseAddress
        limit = unsafe bytes.count
        bufferOffset = startOffset
    }

    /// Reads and verifies the next record.
    ///
    /// - Returns: the record, borrowed from the reader until its next call;
    ///   nil at the end of the data (see ``endState``).
    /// - Throws: ``ReadRecordError`` for a bad record. When
    ///   ``ReadRecordError/isResumable`` is true, call again to go on.
    @_lifetime(&self)
    public mutating func next() throws(ReadRecordError) -> RecordView? {
        while true {
            let available = limit &- position  // 0 <= position <= limit
            if available >= TFRecordLayout.headerLength, let base = unsafe base {
                let header = unsafe base + position
                // Fast path: a whole record that verifies. Anything else goes
                // on below, which finds and reports what is wrong.
                if let length = unsafe verifiedLength(at: header, available: available,
                                                      maxLength: UInt64(options.maxRecordLength),
                                                      verifyPayload: options.verifyPayloadChecksums) {
                    // Offsets of bytes in the buffer: within the stream's length.
                    let recordOffset = bufferOffset &+ position
                    position &+= length &+ TFRecordLayout.framingOverhead  // <= available = limit - position
                    return unsafe view(at: recordOffset, payload: header + TFRecordLayout.headerLength, count: length)
                }
                let length64 = unsafe UInt64(littleEndian: header.loadUnaligned(as: UInt64.self))
                let storedLengthCRC = unsafe UInt32(littleEndian: header.loadUnaligned(
                    fromByteOffset: TFRecordLayout.lengthCRCOffset, as: UInt32.self))
                let lengthCRC = unsafe MaskedCRC(crc: backend.extend(
                    0, unsafeBytes: UnsafeRawBufferPointer(start: header, count: TFRecordLayout.lengthFieldLength)))
                guard lengthCRC.rawValue == storedLengthCRC else {
                    try badLength(.corruptLength(stored: MaskedCRC(rawValue: storedLengthCRC), computed: lengthCRC))
                    continue
                }
                guard length64 <= UInt64(options.maxRecordLength) else {
                    try badLength(.tooLarge(length: length64, limit: options.maxRecordLength))
                    continue
                }
                // length <= maxRecordLength <= 2^48 (clamped by the options),
                // so neither sum below can wrap.
                let length = Int(truncatingIfNeeded: length64)
                let total = length &+ TFRecordLayout.framingOverhead
                if available >= total {
                    let recordOffset = bufferOffset &+ position  // an offset of buffered bytes
                    let payload = unsafe UnsafeRawBufferPointer(start: header + TFRecordLayout.headerLength, count: length)
                    position &+= total  // total <= available = limit - position
                    if options.verifyPayloadChecksums {
                        let stored = unsafe UInt32(littleEndian: header.loadUnaligned(
                            fromByteOffset: TFRecordLayout.headerLength &+ length, as: UInt32.self))  // inside the record
                        let computed = unsafe MaskedCRC(crc: backend.extend(0, unsafeBytes: payload))
                        if computed.rawValue != stored {
                            try badPayload(at: recordOffset, stored: MaskedCRC(rawValue: stored), computed: computed)
                        }
                    }
                    return unsafe view(at: recordOffset, payload: header + TFRecordLayout.headerLength, count: length)
                }
                if try !refill(needed: total) { return finish() }
                continue
            }
            if endState != .reading { return nil }
            if try !refill(needed: TFRecordLayout.headerLength) { return finish() }
        }
    }

    /// Hands `body` the records that lie whole in the current buffer and
    /// verify, one after the other, in one loop: none of ``next()``'s work
    /// per call (its state saved and restored, its optional view returned
    /// through memory, its slow paths kept ready).
    ///
    /// Returns at the first record this loop does not serve — one whose
    /// length or a CRC does not verify, that is longer than the options
    /// allow, or that is not all in the buffer — at the first record
    /// starting at or after stream offset `limit`, or when `body` returns
    /// false for a record; that record is left unread. ``next()`` then reads
    /// it (reports it, or moves the buffer on), so a loop that calls this
    /// and then ``next()`` once reads exactly what ``next()`` alone would.
    package mutating func forEachBufferedRecord(before limit: Int, _ body: (RecordView) -> Bool) {
        guard let base = unsafe base else { return }
        let maxLength = UInt64(options.maxRecordLength)
        let verifyPayload = options.verifyPayloadChecksums
        let end = self.limit
        let origin = bufferOffset
        // Records starting at buffer positions below `stop` are served;
        // limit - origin cannot wrap: both are offsets in a stream.
        let stop = limit <= origin ? 0 : limit &- origin
        var position = self.position
        defer { self.position = position }
        while position < stop, end &- position >= TFRecordLayout.headerLength {
            let header = unsafe base + position
            guard let length = unsafe verifiedLength(at: header, available: end &- position, maxLength: maxLength,
                                                     verifyPayload: verifyPayload) else { return }
            // The payload lies inside the buffer, which lives while the
            // reader is borrowed by this call.
            let payload = unsafe RawSpan(_unsafeStart: header + TFRecordLayout.headerLength, byteCount: length)
            guard body(RecordView(offset: origin &+ position, payload: payload)) else { return }
            position &+= length &+ TFRecordLayout.framingOverhead  // <= end - position
        }
    }

    /// The payload length of the record whose header is at `header`, when
    /// all of it lies in the `available` bytes (at least a header's) and it
    /// verifies: its length CRC, a length of at most `maxLength`, and its
    /// payload CRC when `verifyPayload`; nil otherwise (the general path of
    /// ``next()`` then says what is wrong). Both CRCs come from one call;
    /// the length is used for bounds only after it passed the limit check.
    @unsafe @inline(__always)
    private func verifiedLength(at header: UnsafeRawPointer, available: Int, maxLength: UInt64,
                                verifyPayload: Bool) -> Int? {
        let length64 = unsafe UInt64(littleEndian: header.loadUnaligned(as: UInt64.self))
        // length <= maxLength <= 2^48: the sum cannot wrap.
        guard length64 <= maxLength else { return nil }
        let length = Int(truncatingIfNeeded: length64)
        guard length &+ TFRecordLayout.framingOverhead <= available else { return nil }
        let storedLengthCRC = unsafe UInt32(littleEndian: header.loadUnaligned(
            fromByteOffset: TFRecordLayout.lengthCRCOffset, as: UInt32.self))
        guard verifyPayload else {
            let lengthCRC = unsafe backend.extend(
                0, unsafeBytes: UnsafeRawBufferPointer(start: header, count: TFRecordLayout.lengthFieldLength))
            return MaskedCRC(crc: lengthCRC).rawValue == storedLengthCRC ? length : nil
        }
        let (lengthCRC, payloadCRC) = unsafe backend.recordChecksums(header, payloadLength: length)
        let storedPayloadCRC = unsafe UInt32(littleEndian: header.loadUnaligned(
            fromByteOffset: TFRecordLayout.headerLength &+ length, as: UInt32.self))  // inside the record
        return MaskedCRC(crc: lengthCRC).rawValue == storedLengthCRC
            && MaskedCRC(crc: payloadCRC).rawValue == storedPayloadCRC ? length : nil
    }

    /// The record at `recordOffset` whose payload is `count` bytes at
    /// `start`, borrowing the reader.
    ///
    /// - Precondition: the bytes are in the current buffer.
    @_lifetime(&self)
    @inline(__always)
    private mutating func view(at recordOffset: Int, payload start: UnsafeRawPointer, count: Int) -> RecordView {
        let span = unsafe RawSpan(_unsafeStart: start, byteCount: count)
        return unsafe _overrideLifetime(RecordView(offset: recordOffset, payload: span), mutating: &self)
    }

    // MARK: - Slow paths

    /// Reads more of a stream so that `needed` bytes from `position` are
    /// buffered. Returns false when that is impossible (contiguous source,
    /// or the stream ended first).
    private mutating func refill(needed: Int) throws(ReadRecordError) -> Bool {
        guard endState == .reading else { return false }
        // Every mapped source (sliding or whole-file) ends up here before
        // it ends or moves on: the place to notice a truncation under us.
        try checkNotTruncatedWhileReading()
        if let mapping {
            let start = offset
            let enough: Bool
            do { enough = try mapping.remap(at: start, needed: needed) } catch {
                stop(at: start)
                throw ReadRecordError(kind: .io(mapErrorCode(error)), path: path, offset: start, isResumable: false)
            }
            unsafe base = unsafe mapping.bytes.baseAddress
            limit = unsafe mapping.bytes.count
            position = 0
            bufferOffset = start
            return enough
        }
        guard let window, !window.reachedEnd || limit - position >= needed else {
            return false
        }
        do {
            try window.refill(keepFrom: position, needed: needed)
        } catch {
            let kind: ReadRecordError.Kind
            switch error {
            case .io(let code): kind = .io(code)
            case let .corrupt(message, compressedOffset):
                kind = .corruptCompressedData(message: message, compressedOffset: compressedOffset)
            }
            // What is buffered is at most one partial record; the stream
            // failed after producing it, at stream offset `failedAt`.
            syncWithWindow()
            let failedAt = bufferOffset + limit
            stop(at: offset)
            throw ReadRecordError(kind: kind, path: path, offset: failedAt, isResumable: false)
        }
        syncWithWindow()
        return limit - position >= needed || !window.reachedEnd
    }

    private func mapErrorCode(_ error: FileOpenError) -> SystemError {
        switch error.reason {
        case .open(let code), .map(let code): return code
        default: return SystemError(code: EIO)
        }
    }

    private mutating func syncWithWindow() {
        guard let window else { return }
        let bytes = unsafe window.bytes
        unsafe base = unsafe bytes.baseAddress.map { unsafe UnsafeRawPointer($0) }
        limit = bytes.count
        position = 0
        bufferOffset = window.bytesOffset
    }

    /// The data ended (or reading stopped): set ``endState``.
    private mutating func finish() -> RecordView? {
        if endState == .reading {
            let remaining = limit - position
            if remaining > 0 || (window?.endedMidStream ?? false) {
                endState = .truncated(validEnd: offset, trailingBytes: remaining)
            } else {
                endState = .clean(offset: offset)
            }
        }
        return nil
    }

    private mutating func stop(at stopOffset: Int) {
        endState = .stopped(at: stopOffset)
        // Nothing more is served: hide the rest of the buffer.
        limit = position
    }

    /// Whether a mapped window lost pages to a concurrent truncation (see
    /// ``MappingGuard``): then what looks like damage is the file changing
    /// under us, and reading stops at the current record.
    private mutating func checkNotTruncatedWhileReading(at recordOffset: Int? = nil) throws(ReadRecordError) {
        guard mapping?.wasTruncatedWhileMapped ?? mappedFile?.wasTruncatedWhileMapped ?? false else { return }
        let at = recordOffset ?? offset
        position = at - bufferOffset
        stop(at: at)
        throw ReadRecordError(kind: .truncatedWhileReading, path: path, offset: at, isResumable: false)
    }

    private mutating func badPayload(at recordOffset: Int, stored: MaskedCRC, computed: MaskedCRC) throws(ReadRecordError) {
        try checkNotTruncatedWhileReading(at: recordOffset)
        var error = ReadRecordError(kind: .corruptPayload(stored: stored, computed: computed),
                                    path: path, offset: recordOffset, isResumable: true)
        if options.onPayloadMismatch == .stop {
            error.isResumable = false
            position = recordOffset - bufferOffset
            stop(at: recordOffset)
        }
        throw error
    }

    /// A header that cannot be trusted at `position`: resynchronise or stop.
    private mutating func badLength(_ kind: ReadRecordError.Kind) throws(ReadRecordError) {
        try checkNotTruncatedWhileReading()
        let recordOffset = offset
        var error = ReadRecordError(kind: kind, path: path, offset: recordOffset, isResumable: false)
        guard options.onLengthMismatch == .resynchronize else {
            stop(at: recordOffset)
            throw error
        }
        (error.skippedBytes, error.foundNextHeader) = try skipToNextHeader()
        error.isResumable = true
        throw error
    }

    /// Advances byte by byte from `position + 1` to the next offset whose
    /// header verifies. Stops early where fewer than a header's bytes remain
    /// at the end of the data: those may be the start of a record still being
    /// written, and become the truncated tail.
    private mutating func skipToNextHeader() throws(ReadRecordError) -> (skipped: Int, found: Bool) {
        let start = offset
        position += 1
        while true {
            if let base = unsafe base {
                while limit - position >= TFRecordLayout.headerLength {
                    if unsafe TFRecordLayout.headerVerifies(base + position, backend: backend) {
                        return (offset - start, true)
                    }
                    position += 1
                }
            }
            if try !refill(needed: TFRecordLayout.headerLength) {
                return (offset - start, false)
            }
        }
    }
}

/// Owns a copy of a byte array for ``RecordReader/init(bytes:path:options:)``.
@safe final class ByteBox {
    let bytes: UnsafeRawBufferPointer
    private let storage: UnsafeMutableRawBufferPointer

    init(_ array: [UInt8]) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: array.count, alignment: 16)
        unsafe array.withUnsafeBytes { unsafe copy.copyMemory(from: $0) }
        unsafe storage = unsafe copy
        unsafe bytes = UnsafeRawBufferPointer(copy)
    }

    deinit { unsafe storage.deallocate() }
}
