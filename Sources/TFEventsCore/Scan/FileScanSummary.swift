import TFRecord

/// What a scan found in one event file.
public struct FileScanSummary: Sendable, Equatable {
    /// One problem met while reading, with where it is.
    public struct Issue: Sendable, Equatable {
        /// Stream offset of the record concerned.
        public var offset: Int
        /// `corrupt_length`, `corrupt_payload`, `too_large`, `io`,
        /// `corrupt_compressed_data`, `invalid_event` or `open`.
        public var kind: String
        /// What is wrong, in a sentence that names the offset.
        public var message: String
        /// For damaged compressed data: where in the compressed file the
        /// decoder failed (`offset` is then in the uncompressed stream).
        public var compressedOffset: Int? = nil
    }

    /// The file.
    public var path: String
    /// How its bytes are stored.
    public var compression: CompressionFormat = .none
    /// Size on disk (0 for pipes).
    public var fileSize = 0
    /// Records whose framing and checksums verified.
    public var records = 0
    /// Records that decoded as `Event`.
    public var events = 0
    /// Uncompressed bytes consumed: the stream offset where reading ended.
    public var bytes = 0
    /// Summary values that are scalars (FORMAT §4.2).
    public var scalarPoints = 0
    /// Summary values that claimed to be scalars but did not decode (each
    /// skipped alone; counted also in a summary that fails to decode
    /// further on, as the index counts them).
    public var malformedValues = 0
    /// Distinct summary tags (every kind of value).
    public var distinctTags = 0
    /// Step of the first event after the `file_version` event.
    public var firstStep: Int64?
    /// Step of the last such event.
    public var lastStep: Int64?
    /// Bytes of an incomplete record at the end (a file still being written).
    public var truncatedBytes = 0
    /// Offset after the last complete record (where a later read resumes).
    public var validEnd = 0
    /// Records that failed verification or decoding.
    public var corruptRecords = 0
    /// Bytes skipped while resynchronising after bad lengths.
    public var skippedBytes = 0
    /// Every problem, in file order.
    public var issues: [Issue] = []
    /// Whether the file could not be opened at all.
    public var unreadable = false

    /// A summary with no records yet.
    public init(path: String) { self.path = path }

    /// True when any record was corrupt or the file unreadable. A truncated
    /// tail is not corruption.
    public var hasCorruption: Bool { corruptRecords > 0 || unreadable || skippedBytes > 0 }
}
