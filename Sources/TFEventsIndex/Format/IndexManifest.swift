/// The file table of an index: which log directory, and every file's entry.
package struct IndexManifest: Sendable, Equatable {
    /// Absolute path of the log directory.
    var logdir: String
    /// Whether payload CRCs were verified when the points were read.
    var verifiedPayloads: Bool
    /// Files in sorted relative-path order.
    package var files: [IndexedFile]

    package func encoded() -> [UInt8] {
        var encoder = IndexEncoder()
        encoder.string(logdir)
        encoder.bool(verifiedPayloads)
        encoder.varint(UInt64(files.count))
        for file in files { file.encode(into: &encoder) }
        return encoder.bytes
    }

    init(logdir: String, verifiedPayloads: Bool, files: [IndexedFile]) {
        self.logdir = logdir
        self.verifiedPayloads = verifiedPayloads
        self.files = files
    }

    package init(decoding bytes: [UInt8]) throws(IndexDecodingError) {
        var decoder = IndexDecoder(bytes)
        logdir = try decoder.string()
        verifiedPayloads = try decoder.bool()
        let count = try decoder.count(minimumBytes: 16)
        files = []
        files.reserveCapacity(count)
        for _ in 0 ..< count { files.append(try IndexedFile(decoding: &decoder)) }
        guard decoder.isAtEnd else { throw IndexDecodingError(offset: decoder.position) }
    }
}
