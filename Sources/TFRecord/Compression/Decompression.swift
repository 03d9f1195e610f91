#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Builds the decoder for a compressed stream.
///
/// Every decoder is a ``ByteStream`` that writes uncompressed bytes straight
/// into the buffer it is given. Regular files are decoded from their
/// mapping (no input copy, one mapping window resident at a time); pipes
/// through one fixed input buffer.
package enum Decompression {
    /// Where compressed bytes come from.
    enum Input {
        /// A regular file, read through sliding mapping windows.
        case file(SlidingMapping)
        /// A pipe, standard input, or any other stream.
        case stream(any ByteStream)
    }

    /// A stream of the uncompressed bytes of `input`, which holds `format`.
    static func stream(_ format: CompressionFormat, input: Input, path: String) throws(FileOpenError) -> any ByteStream {
        let compressed: CompressedInput
        switch input {
        case .file(let mapping):
            compressed = CompressedInput(mapping: mapping)
        case .stream(let stream):
            if format == .none { return stream }
            compressed = CompressedInput(stream: stream)
        }
        do {
            switch format {
            case .none: return PlainSource(input: compressed)
            case .gzip: return try GzipSource(wrapper: .gzip, input: compressed)
            case .zlib: return try GzipSource(wrapper: .zlib, input: compressed)
            case .zstd: return try ZstdSource(input: compressed)
            }
        } catch {
            if case .io(let code) = error { throw FileOpenError(path: path, reason: .open(code)) }
            throw FileOpenError(path: path, reason: .open(SystemError(code: EIO)))
        }
    }

    /// The uncompressed bytes of the file at `path`, decoded on the caller's
    /// thread, without any record parsing: what ``RecordReader`` reads,
    /// for tools and for measuring the decompressor alone.
    ///
    /// - Parameters:
    ///   - format: the format, or nil to detect it from the content
    ///     (``CompressionFormat/detect(prefix:)``).
    /// - Returns: the stream and the format it decodes.
    /// - Throws: ``FileOpenError`` when the file cannot be opened or mapped.
    package static func open(path: String, format: CompressionFormat? = nil)
        throws(FileOpenError) -> (stream: any ByteStream, format: CompressionFormat)
    {
        let (fd, identity) = try openForReading(path)
        guard identity.isRegularFile else {
            close(fd)
            throw FileOpenError(path: path, reason: .notRegularFile)
        }
        let detected = format ?? CompressionFormat.detect(fileDescriptor: fd)
        let mapping = SlidingMapping(fd: fd, path: path, identity: identity, windowSize: CompressedInput.mappingWindow)
        return (try stream(detected, input: .file(mapping), path: path), detected)
    }
}
