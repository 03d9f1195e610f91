#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

extension RecordReader {
    /// The path that names standard input.
    public static let standardInputPath = "-"

    /// Compressed files at least this large are decoded on a second thread
    /// under ``RecordReaderOptions/ReadAhead/automatic``: below it, starting
    /// a thread costs more than it saves.
    static let readAheadThreshold = 1 << 20

    /// Opens an event file, whatever it is stored in.
    ///
    /// Regular files are memory-mapped; pipes, devices and standard input
    /// (`"-"`) are read through a window, and so are `s3://` and `gs://`
    /// objects once `TFEventsRemote` is installed (see `ObjectStores`). The compression is detected from
    /// the content (``CompressionFormat/detect(prefix:)``), never from the
    /// name, unless `format` is given. Compressed files are decoded from
    /// their mapping in bounded memory (see ``StreamWindow``), on a second
    /// thread when large (see ``RecordReaderOptions/readAhead``).
    ///
    /// - Parameters:
    ///   - startOffset: the offset of a record boundary to start at (an
    ///     index re-reading only what was appended), in the uncompressed
    ///     stream. Uncompressed regular files start there directly;
    ///     compressed files and pipes are decoded from the start and the
    ///     bytes before it discarded.
    ///   - format: skip detection and read as this format.
    /// - Throws: ``FileOpenError`` when the path cannot be opened or mapped.
    public init(path: String, startOffset: Int = 0, format: CompressionFormat? = nil,
                options: RecordReaderOptions = .init()) throws(FileOpenError) {
        precondition(startOffset >= 0, "negative start offset")
        if path == Self.standardInputPath {
            try self.init(stream: FileDescriptorStream(fileDescriptor: 0, closeOnDeinit: false),
                          path: path, startOffset: startOffset, format: format, options: options)
            return
        }
        if let store = ObjectStores.store(for: path) {
            // Object storage: a reader fetching ahead in blocks, decoded as
            // a stream (the compression sniffed from its first bytes).
            // Starting midway (an index reading what was appended): an
            // uncompressed object is read from `startOffset` with ranged
            // requests; a compressed one must be decoded from its start.
            if startOffset > 0 {
                var detected = format ?? .none
                if format == nil {
                    do { detected = CompressionFormat.detect(prefix: try store.read(path, offset: 0, count: CompressionFormat.sniffLength)) }
                    catch { throw FileOpenError(path: path, reason: .open(error)) }
                }
                if detected == .none {
                    let reader: any ObjectReader
                    do { reader = try store.openReader(path, at: startOffset) } catch {
                        throw FileOpenError(path: path, reason: .open(error))
                    }
                    self.init(stream: ObjectReaderStream(reader), path: path, startOffset: min(startOffset, reader.size),
                              skipping: 0, windowCapacity: StreamWindow.defaultCapacity, compression: .none,
                              background: options.readAhead != .never, options: options)
                    return
                }
            }
            let reader: any ObjectReader
            do { reader = try store.openReader(path, at: 0) } catch {
                throw FileOpenError(path: path, reason: .open(error))
            }
            try self.init(stream: ObjectReaderStream(reader), path: path, startOffset: startOffset,
                          format: format, options: options)
            return
        }
        let (fd, identity) = try openForReading(path)
        guard identity.isRegularFile else {
            if (identity.modeBits & S_IFMT) == S_IFDIR {
                close(fd)
                throw FileOpenError(path: path, reason: .notRegularFile)
            }
            try self.init(stream: FileDescriptorStream(fileDescriptor: fd, closeOnDeinit: true),
                          path: path, startOffset: startOffset, format: format, options: options)
            return
        }
        // A small file is read whole (see WholeFileBytes); read from its
        // start, those bytes also tell its compression (a compressed one
        // then goes on below, as a stream).
        var sniffed = format
        if identity.size <= WholeFileBytes.limit, (format ?? .none) == .none {
            let start = min(startOffset, identity.size)
            if start > 0 && sniffed == nil { sniffed = CompressionFormat.detect(fileDescriptor: fd) }
            if sniffed == nil || sniffed == CompressionFormat.none {
                let whole: WholeFileBytes
                do { whole = try WholeFileBytes(fd: fd, offset: start, count: identity.size - start) } catch {
                    close(fd)
                    throw FileOpenError(path: path, reason: .open(error))
                }
                if sniffed == nil {
                    sniffed = CompressionFormat.detect(prefix: unsafe RawSpan(_unsafeBytes: UnsafeRawBufferPointer(
                        rebasing: whole.bytes.prefix(CompressionFormat.sniffLength))))
                }
                if sniffed == CompressionFormat.none {
                    close(fd)
                    self.init(wholeFile: whole, path: path, startOffset: start, options: options)
                    return
                }
            }
        }
        let detected = sniffed ?? CompressionFormat.detect(fileDescriptor: fd)
        if detected == .none {
            guard let mapping = SlidingMapping.guarded(fd: fd, path: path, identity: identity,
                                                       windowSize: min(options.mappingWindow ?? .max, SlidingMapping.defaultWindowSize)) else {
                // Every guard slot is taken (over a thousand files open at
                // once): read it with read(2), which a truncation cannot
                // turn into a SIGBUS.
                let start = min(startOffset, identity.size)
                _ = lseek(fd, off_t(start), SEEK_SET)
                self.init(stream: FileDescriptorStream(fileDescriptor: fd, closeOnDeinit: true), path: path,
                          startOffset: start, skipping: 0, windowCapacity: StreamWindow.defaultCapacity,
                          compression: .none, background: false, options: options)
                return
            }
            self.init(mapping: mapping, startOffset: min(startOffset, identity.size), options: options)
            return
        }
        // The mapping owns the descriptor from here on.
        let input: Decompression.Input
        if let mapping = SlidingMapping.guarded(fd: fd, path: path, identity: identity,
                                                windowSize: CompressedInput.mappingWindow) {
            input = .file(mapping)
        } else {
            input = .stream(FileDescriptorStream(fileDescriptor: fd, closeOnDeinit: true))
        }
        let decoder = try Decompression.stream(detected, input: input, path: path)
        let background: Bool
        switch options.readAhead {
        case .always: background = true
        case .never: background = false
        case .automatic: background = identity.size >= Self.readAheadThreshold
        }
        self.init(stream: decoder, path: path, startOffset: startOffset, skipping: startOffset,
                  windowCapacity: StreamWindow.defaultCapacity, compression: detected,
                  background: background, options: options)
    }

    /// Reads a pipe-like stream, sniffing its compression from its first bytes.
    private init(stream: any ByteStream, path: String, startOffset: Int, format: CompressionFormat?,
                 options: RecordReaderOptions) throws(FileOpenError) {
        let prefix: [UInt8]
        do { prefix = try PrefixedStream.readPrefix(of: stream, count: CompressionFormat.sniffLength) } catch {
            if case .io(let code) = error { throw FileOpenError(path: path, reason: .open(code)) }
            throw FileOpenError(path: path, reason: .open(SystemError(code: EIO)))
        }
        let detected = format ?? CompressionFormat.detect(prefix: prefix)
        let replayed = PrefixedStream(prefix: prefix, rest: stream)
        let decoded = try Decompression.stream(detected, input: .stream(replayed), path: path)
        self.init(stream: decoded, path: path, startOffset: startOffset, skipping: startOffset,
                  windowCapacity: StreamWindow.defaultCapacity, compression: detected,
                  background: options.readAhead != .never, options: options)
    }
}
