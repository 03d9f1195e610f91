import TFRecord

/// Reads the events of one event file: records verified by a
/// ``RecordReader``, each payload decoded as an ``EventView``.
///
/// ```swift
/// var reader = try EventFileReader(path: "logs/eval/events.out.tfevents.1.host")
/// while let event = try reader.next() {
///     var values = event.summaryValues()
///     while let value = try values.next() {
///         if let scalar = try value.scalar() {
///             print(value.tag, event.step, scalar.value)
///         }
///     }
/// }
/// ```
///
/// Events are non-escapable views into the reader's buffer: each borrows
/// the reader until its next call, which the compiler checks. Nothing is
/// allocated per event.
public struct EventFileReader: ~Copyable {
    private var records: RecordReader
    /// The file path.
    public let path: String

    /// Opens `path` (regular file, pipe, `-` for standard input; compressed
    /// or not). See ``RecordReader/init(path:startOffset:format:options:)``.
    public init(path: String, startOffset: Int = 0, options: RecordReaderOptions = .init()) throws(FileOpenError) {
        records = try RecordReader(path: path, startOffset: startOffset, options: options)
        self.path = path
    }

    /// Decodes the records of `records`.
    public init(records: consuming RecordReader) {
        path = records.path
        self.records = records
    }
    /// How the file is compressed.
    public var compression: CompressionFormat { records.compression }
    /// How reading ended, once ``next()`` returned nil.
    public var endState: RecordReader.EndState { records.endState }
    /// Stream offset after the last record consumed.
    public var offset: Int { records.offset }
    /// Input bytes consumed (compressed bytes for a compressed file), for
    /// progress. See ``RecordReader/inputOffset``.
    public var inputOffset: Int { records.inputOffset }

    /// The next event, or nil at the end of the file.
    ///
    /// - Returns: the event, borrowed from the reader until its next call.
    /// - Throws: ``ReadEventError``; when ``ReadEventError/isResumable``,
    ///   call again to continue with the next record.
    @_lifetime(&self)
    public mutating func next() throws(ReadEventError) -> EventView? {
        let record: RecordView?
        do { record = try records.next() } catch { throw .record(error) }
        guard let record else { return nil }
        let recordOffset = record.offset
        do {
            return try EventView(record: record)
        } catch {
            throw .invalidEvent(path: path, recordOffset: recordOffset, error: error)
        }
    }
}

extension EventFileReader {
    /// Hands `body` the events of the records that lie whole in the reader's
    /// buffer and verify (``RecordReader/forEachBufferedRecord(before:_:)``),
    /// each with what one pass over its values found
    /// (``EventView/scanScalars(metric:includeTensorScalars:into:)``; an
    /// empty scan for events that are not summaries), decoded and scanned
    /// in the same loop: the loop of a best-model search. Returns at the
    /// first record, event or summary it does not serve (a bad record, one
    /// that does not decode), at the first record starting at or after
    /// stream offset `limit`, or when `body` returns false — that record
    /// left unread: ``next()`` returns it or reports it. A loop that calls
    /// this and then ``next()`` once reads exactly what ``next()`` alone
    /// would.
    package mutating func forEachBufferedScan(metric: TagKey?, includeTensorScalars: Bool, before limit: Int,
                                              _ body: (EventView, MetricScan) -> Bool) {
        records.forEachBufferedRecord(before: limit) { record in
            let event: EventView
            do { event = try EventView(record: record) } catch { return false }
            var scan = MetricScan()
            if event.kind == .summary {
                do {
                    try event.scanScalars(metric: metric, includeTensorScalars: includeTensorScalars, into: &scan)
                } catch {
                    return false
                }
            }
            return body(event, scan)
        }
    }
}
