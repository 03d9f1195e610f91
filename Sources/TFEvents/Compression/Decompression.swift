/// Builds the decoder stream for a compressed file.
enum Decompression {
    /// Where compressed bytes come from.
    enum Input {
        /// A mapped file: the decoder reads the mapping directly.
        case mapped(MappedFile)
        /// A pipe or standard input.
        case stream(any ByteStream)
    }

    /// A stream of the uncompressed bytes of `input`.
    static func stream(_ format: CompressionFormat, input: Input, path: String) throws(FileOpenError) -> any ByteStream {
        switch format {
        case .none:
            switch input {
            case .mapped(let file):
                return file.withUnsafeBytes { BufferStream(bytes: $0, owner: file) }
            case .stream(let stream):
                return stream
            }
        case .gzip, .zlib, .zstd:
            throw FileOpenError(path: path, reason: .unsupportedCompression(format))
        }
    }
}
