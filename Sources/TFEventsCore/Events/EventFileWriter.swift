import TFRecord
import TFEventsSystem

/// Writes an event file as TensorFlow's `EventsWriter` does: named
/// `events.out.tfevents.<10-digit seconds>.<hostname><suffix>` in a
/// directory, starting with the `file_version` event (FORMAT §5.1, §5.2),
/// optionally compressed.
///
/// ```swift
/// let writer = try EventFileWriter(directory: "model_dir/eval")
/// try writer.writeScalars(step: 1000, [("loss", 0.25), ("accuracy", 0.75)])
/// try writer.write(EventRecord(wallTime: 1_600_000_000, step: 1000, what: .sessionLog(status: .checkpoint)))
/// try writer.close()
/// ```
///
/// Uncompressed files are byte-compatible with TensorFlow's for the same
/// events (the first record is TensorFlow C++'s, with an integer-second
/// `wall_time`, and is flushed at once as TensorFlow does). Compressed
/// files hold the same records in one gzip, zlib or zstd stream; every
/// reader of this package reads them as the uncompressed file.
///
/// Events are encoded with one reused ``EventEncoder`` and buffered;
/// ``flush()`` makes them visible to readers (see ``RecordFileWriter``),
/// ``close()`` finishes the file. Not thread-safe: use one writer per thread
/// or serialise calls.
public final class EventFileWriter {
    /// How the file is named and stored.
    public struct Options: Sendable {
        /// Compression of the whole file. Default: none (what TensorFlow writes).
        public var compression: CompressionFormat = .none
        /// Compression level, or nil for the format's default
        /// (``CompressionFormat/defaultLevel``).
        public var level: Int?
        /// Appended to the file name, for example `.v2` (TF2's) or `.gz`.
        public var filenameSuffix = ""
        /// The host name in the file name; nil for `gethostname`.
        public var hostname: String?
        /// The creation time (file name and first event), seconds since the
        /// epoch; nil for now. TensorFlow uses whole seconds for both.
        public var creationTime: Int?

        /// The defaults.
        public init() {}

        /// Options writing `compression` at `level`.
        public init(compression: CompressionFormat, level: Int? = nil) {
            self.compression = compression
            self.level = level
        }
    }

    /// The file written.
    public let path: String
    /// The format written.
    public let compression: CompressionFormat
    /// Events written, the `file_version` event included.
    public private(set) var eventCount = 0

    private let records: RecordFileWriter
    private var encoder = EventEncoder(capacity: 1024)

    /// The file name TensorFlow gives an event file created at `seconds`
    /// on `hostname`: `events.out.tfevents.%010d.<hostname><suffix>`.
    public static func fileName(seconds: Int, hostname: String, suffix: String = "") -> String {
        let digits = String(seconds)
        let padded = String(repeating: "0", count: max(0, 10 - digits.count)) + digits
        return "events.out.tfevents." + padded + "." + hostname + suffix
    }

    /// This machine's host name (`gethostname`), or `localhost`.
    public static var currentHostname: String { SystemClock.hostname }

    /// Creates a new event file in `directory` and writes its
    /// `file_version` event.
    ///
    /// - Precondition: the level is accepted by the format
    ///   (``CompressionFormat/acceptsLevel(_:)``).
    /// - Throws: ``WriteRecordError`` when the file cannot be created (it
    ///   is never overwritten: an existing file of the same name is an
    ///   `open` error with `EEXIST`; pick a suffix) or written.
    public convenience init(directory: String, options: Options = .init()) throws(WriteRecordError) {
        // TensorFlow's writer creates the log directory; so do we.
        do { try Directories.create(directory) } catch {
            throw WriteRecordError(kind: .open(error), path: directory, offset: 0)
        }
        let seconds = options.creationTime ?? Self.currentSeconds()
        let name = Self.fileName(seconds: seconds, hostname: options.hostname ?? Self.currentHostname,
                                 suffix: options.filenameSuffix)
        let separator = directory.hasSuffix("/") || directory.isEmpty ? "" : "/"
        try self.init(path: directory + separator + name, options: options, creationTime: seconds)
    }

    /// Creates the event file `path` (never overwriting) and writes its
    /// `file_version` event with `wall_time = creationTime`.
    public init(path: String, options: Options = .init(), creationTime: Int? = nil) throws(WriteRecordError) {
        self.path = path
        compression = options.compression
        records = try RecordFileWriter(path: path, compression: options.compression, level: options.level)
        let seconds = creationTime ?? options.creationTime ?? Self.currentSeconds()
        try write(EventRecord.fileVersion(wallTime: Double(seconds)))
        // TensorFlow flushes the first record at once: a new file is readable.
        try flush()
    }

    // MARK: - Writing

    /// Appends `event`.
    public func write(_ event: EventRecord) throws(WriteRecordError) {
        encoder.encode(event)
        try writeEncoded()
    }

    /// Appends one summary event holding scalar points, each encoded in
    /// `style` (TF1 `simple_value` by default, or TF2 tensors).
    ///
    /// - Parameters:
    ///   - wallTime: seconds since the epoch; nil for now.
    public func writeScalars(step: Int64, wallTime: Double? = nil, _ points: [(tag: String, value: Float)],
                             style: EventRecord.ScalarStyle = .simpleValue) throws(WriteRecordError) {
        encoder.encodeScalars(wallTime: wallTime ?? Self.currentTime(), step: step,
                              points.map { (tag: $0.tag, value: $0.value, style: style) })
        try writeEncoded()
    }

    /// Appends one summary event holding one scalar point.
    public func writeScalar(_ tag: String, _ value: Float, step: Int64, wallTime: Double? = nil,
                            style: EventRecord.ScalarStyle = .simpleValue) throws(WriteRecordError) {
        try writeScalars(step: step, wallTime: wallTime, [(tag, value)], style: style)
    }

    /// Appends a serialized `Event` exactly as given (for example one read
    /// from another file). The bytes are not checked.
    public func write(payload: RawSpan) throws(WriteRecordError) {
        try records.write(payload)
        eventCount += 1
    }

    /// Appends a serialized `Event` exactly as given.
    public func write(payload: [UInt8]) throws(WriteRecordError) {
        try records.write(payload)
        eventCount += 1
    }

    /// Makes every event written so far readable by other processes.
    public func flush() throws(WriteRecordError) {
        try records.flush()
    }

    /// Flushes, finishes the compressed stream if any, and closes the file.
    public func close() throws(WriteRecordError) {
        try records.close()
    }

    private func writeEncoded() throws(WriteRecordError) {
        try encoder.withSpan { (payload) throws(WriteRecordError) in try records.write(payload) }
        eventCount += 1
    }

    // MARK: - Clock

    static func currentSeconds() -> Int { SystemClock.seconds }

    static func currentTime() -> Double { SystemClock.now }
}
