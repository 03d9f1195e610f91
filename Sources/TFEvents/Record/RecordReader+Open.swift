extension RecordReader {
    /// The path that names standard input.
    public static let standardInputPath = "-"

    /// Opens an event file, whatever it is stored in.
    ///
    /// Regular files are memory-mapped; pipes, devices and standard input
    /// (`"-"`) are read through a window. The compression is detected from
    /// the content (``CompressionFormat/detect(prefix:)``) unless `format` is
    /// given.
    ///
    /// - Parameters:
    ///   - startOffset: for uncompressed regular files, the offset of a
    ///     record boundary to start at (an index re-reading only what was
    ///     appended). Ignored for streams and compressed files.
    ///   - format: skip detection and read as this format.
    /// - Throws: ``FileOpenError`` when the path cannot be opened or mapped.
    public init(path: String, startOffset: Int = 0, format: CompressionFormat? = nil,
                options: RecordReaderOptions = .init()) throws(FileOpenError) {
        if path == Self.standardInputPath {
            try self.init(stream: FileDescriptorStream(fileDescriptor: 0, closeOnDeinit: false),
                          path: path, format: format, options: options)
            return
        }
        let fd = retryingOnInterrupt { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw FileOpenError(path: path, reason: .open(.current)) }
        let identity: FileIdentity
        do { identity = try FileIdentity(fileDescriptor: fd) } catch {
            close(fd)
            throw FileOpenError(path: path, reason: .open(error))
        }
        guard identity.isRegularFile else {
            if (identity.modeBits & S_IFMT) == S_IFDIR {
                close(fd)
                throw FileOpenError(path: path, reason: .notRegularFile)
            }
            try self.init(stream: FileDescriptorStream(fileDescriptor: fd, closeOnDeinit: true),
                          path: path, format: format, options: options)
            return
        }
        let detected: CompressionFormat
        if let format {
            detected = format
        } else if startOffset > 0 {
            detected = .none
        } else {
            var prefix = [UInt8](repeating: 0, count: CompressionFormat.sniffLength)
            let count = prefix.withUnsafeMutableBytes { buffer in
                retryingOnInterrupt { pread(fd, buffer.baseAddress, buffer.count, 0) }
            }
            detected = CompressionFormat.detect(prefix: Array(prefix.prefix(max(0, count))))
        }
        if detected == .none {
            let mapping = SlidingMapping(fd: fd, path: path, identity: identity)
            self.init(mapping: mapping, startOffset: min(startOffset, identity.size), options: options)
        } else {
            defer { close(fd) }
            let file = try MappedFile(fd: fd, path: path, identity: identity, startOffset: 0)
            let stream = try Decompression.stream(detected, input: .mapped(file), path: path)
            self.init(stream: stream, path: path, compression: detected, options: options)
        }
    }

    /// Reads a pipe-like stream, sniffing its compression from its first bytes.
    private init(stream: any ByteStream, path: String, format: CompressionFormat?,
                 options: RecordReaderOptions) throws(FileOpenError) {
        let prefix: [UInt8]
        do { prefix = try PrefixedStream.readPrefix(of: stream, count: CompressionFormat.sniffLength) } catch {
            if case .io(let code) = error { throw FileOpenError(path: path, reason: .open(code)) }
            throw FileOpenError(path: path, reason: .open(SystemError(code: EIO)))
        }
        let detected = format ?? CompressionFormat.detect(prefix: prefix)
        let replayed = PrefixedStream(prefix: prefix, rest: stream)
        let decoded = try Decompression.stream(detected, input: .stream(replayed), path: path)
        self.init(stream: decoded, path: path, compression: detected, options: options)
    }
}
