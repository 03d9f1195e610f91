/// How a ``RecordReader`` verifies records and what it does with bad ones.
public struct RecordReaderOptions: Sendable, Equatable {
    /// What to do after a record whose payload fails its checksum.
    public enum PayloadMismatchPolicy: Sendable, Equatable {
        /// Report it and continue with the next record (the length is sound).
        case skipRecord
        /// Report it and stop, as TensorFlow's reader does.
        case stop
    }

    /// What to do after a header whose length fails its checksum (or that
    /// claims more than ``maxRecordLength``).
    public enum LengthMismatchPolicy: Sendable, Equatable {
        /// Scan forward to the next offset whose 12-byte header verifies and
        /// continue there, reporting the bytes skipped.
        case resynchronize
        /// Report it and stop.
        case stop
    }

    /// Whether streams are read ahead on a second thread.
    public enum ReadAhead: Sendable, Equatable {
        /// A second thread decompresses compressed files of 1 MiB or more
        /// and reads pipes opened by path, so decompression overlaps record
        /// verification and decoding. Streams passed to
        /// ``RecordReader/init(stream:path:startOffset:windowCapacity:compression:options:)``
        /// are read on the caller's thread.
        case automatic
        /// Always read streams on a second thread (the stream is then used
        /// only from that thread until the reader is released).
        case always
        /// Read everything on the caller's thread.
        case never
    }

    /// Verify every payload CRC (the default). When false, only length CRCs
    /// are checked, as rustboard's default `--no-checksum` does.
    public var verifyPayloadChecksums: Bool = true
    /// Largest payload accepted, in bytes, from 0 to
    /// ``largestMaxRecordLength``; values outside are clamped to that range.
    /// A larger verified length is a
    /// ``ReadRecordError/Kind/tooLarge(length:limit:)`` error; nothing of
    /// that size is ever allocated.
    public var maxRecordLength: Int {
        get { limit }
        set { limit = min(max(newValue, 0), Self.largestMaxRecordLength) }
    }

    /// The largest value ``maxRecordLength`` takes: 2^48 bytes (256 TiB).
    ///
    /// No real record comes near it, and it keeps every sum the reader
    /// forms from a record length (a record's end offset, its footer's
    /// position) far from overflowing.
    public static let largestMaxRecordLength = 1 << 48

    private var limit = 1 << 30
    /// See ``PayloadMismatchPolicy``. Default: skip the record.
    public var onPayloadMismatch: PayloadMismatchPolicy = .skipRecord
    /// See ``LengthMismatchPolicy``. Default: resynchronise.
    public var onLengthMismatch: LengthMismatchPolicy = .resynchronize
    /// See ``ReadAhead``. Default: ``ReadAhead/automatic``.
    public var readAhead: ReadAhead = .automatic
    /// Bytes of an uncompressed regular file mapped at a time, at most the
    /// default of 16 MiB (nil), each window pre-faulted whole: a reader of
    /// a range of a few MiB maps about the range instead.
    package var mappingWindow: Int?

    /// The defaults: verify everything, recover as much as possible.
    public init() {}

    /// Behave like TensorFlow's `tf_record_iterator`: verify everything and
    /// stop at the first bad record.
    public static var stopAtFirstError: RecordReaderOptions {
        var options = RecordReaderOptions()
        options.onPayloadMismatch = .stop
        options.onLengthMismatch = .stop
        return options
    }
}
