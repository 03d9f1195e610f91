import TFRecord
import TFEventsSystem

/// One scalar point met while scanning, borrowed from the record.
public struct ScalarPointView: ~Escapable {
    /// The event's step.
    public let step: Int64
    /// The event's wall time.
    public let wallTime: Double
    /// The value and its encoding.
    public let scalar: ScalarValue
    /// Offset of the record holding the event.
    public let recordOffset: Int
    /// Interned id of the tag in the scan's ``TagTable``.
    public let tagID: Int
    /// The tag's UTF-8 bytes, borrowed.
    public let tagBytes: RawSpan

    /// The tag (allocates when longer than 15 bytes).
    public var tag: String { tagBytes.utf8String }

    @_lifetime(copy tagBytes)
    init(step: Int64, wallTime: Double, scalar: ScalarValue, recordOffset: Int, tagID: Int, tagBytes: RawSpan) {
        self.step = step
        self.wallTime = wallTime
        self.scalar = scalar
        self.recordOffset = recordOffset
        self.tagID = tagID
        self.tagBytes = tagBytes
    }
}

/// One summary event's place, as a scan hands out its scalar points
/// (``FileScanner/scan(path:onEvent:)``).
package struct ScannedEvent: Sendable {
    /// The event's step.
    package let step: Int64
    /// The event's wall time.
    package let wallTime: Double
    /// Offset of the record holding the event.
    package let recordOffset: Int
}

/// A scalar point of a ``ScannedEvent``: its tag's id in the scan's
/// ``TagTable`` and its value.
package typealias ScannedPoint = (tagID: Int, scalar: ScalarValue)

/// Reads a whole event file and reports what is in it, never throwing: a
/// bad file yields a summary listing its problems, so one bad file never
/// stops a run over many.
public struct FileScanner {
    /// Record options (checksums, limits, recovery policies).
    public var options: RecordReaderOptions
    /// Accept only rank-0 tensors as scalars (rustboard's rule).
    public var requireRankZero = false
    /// Called about every 64 Ki records with the input offset reached
    /// (compressed bytes for a compressed file, so it compares with the
    /// size on disk).
    public var progress: ((Int) -> Void)?

    /// A scanner with the given record options.
    public init(options: RecordReaderOptions = .init()) {
        self.options = options
    }

    /// Scans `path`: counts, steps, tags and damage, without handing out points.
    public func scan(path: String) -> FileScanSummary {
        scan(path: path, from: 0, limit: nil, handsOutPoints: false) { _, _, _ in }.summary
    }

    /// Scans `path`, calling `onScalar` for every scalar point in file order.
    ///
    /// The closure does not escape, so what it captures is checked for
    /// exclusive access when compiled, not on every point.
    public func scan(path: String, onScalar: (ScalarPointView) -> Void) -> FileScanSummary {
        scan(path: path, from: 0, limit: nil, handsOutPoints: true) { event, points, tags in
            for index in points.indices {
                let point = points[index]
                onScalar(ScalarPointView(step: event.step, wallTime: event.wallTime, scalar: point.scalar,
                                         recordOffset: event.recordOffset, tagID: point.tagID,
                                         tagBytes: tags.tagBytes(point.tagID)))
            }
        }.summary
    }

    /// Scans `path`, calling `onEvent` once per summary event that holds
    /// scalar points, in file order, with the points (borrowed) and the
    /// table their tag ids index: one call per event rather than per point,
    /// for readers that copy points out in bulk.
    package func scan(path: String, onEvent: (ScannedEvent, Span<ScannedPoint>, TagTable) -> Void) -> FileScanSummary {
        scan(path: path, from: 0, limit: nil, handsOutPoints: true, onEvent: onEvent).summary
    }

    /// What a range reader maps beyond its range: the record crossing the
    /// limit, usually short (a longer one is mapped when reached).
    static let rangeWindowSlack = 256 << 10

    /// Scans `path` from the record boundary `start`, stopping at the first
    /// record boundary at or after `limit` (nil: the end of the file).
    package func scan(path: String, from start: Int, limit: Int?, handsOutPoints: Bool,
                      onEvent: (ScannedEvent, Span<ScannedPoint>, TagTable) -> Void) -> PartialScan {
        var summary = FileScanSummary(path: path)
        var tags = TagTable()
        var predictedTags = TagPrediction()
        var pending: [ScannedPoint] = []
        var reader: EventFileReader
        var options = self.options
        if let limit {
            // A range maps about its own bytes (and the record that
            // crosses its limit, remapped when it is longer).
            options.mappingWindow = max(0, limit - start) + Self.rangeWindowSlack
        }
        do {
            reader = try EventFileReader(path: path, startOffset: start, options: options)
        } catch {
            summary.unreadable = true
            summary.issues.append(.init(offset: start, kind: "open", message: error.message))
            return PartialScan(start: start, summary: summary, tags: tags, stoppedAtLimit: nil)
        }
        summary.compression = reader.compression
        var stoppedAt: Int?
        summary.fileSize = (try? FileIdentity(path: path).size) ?? 0
        var sinceProgress = 0
        var stoppedAtLimit: Int?

        while true {
            if let limit, reader.offset >= limit {
                stoppedAtLimit = reader.offset
                break
            }
            // The event borrows the reader: its scope ends before the
            // reader is asked for progress.
            do {
                let event: EventView?
                do {
                    event = try reader.next()
                } catch {
                    summary.corruptRecords += 1
                    summary.issues.append(.init(offset: error.offset, kind: error.kindName, message: error.message))
                    if case .record(let recordError) = error {
                        summary.skippedBytes += recordError.skippedBytes
                        if case .corruptCompressedData(_, let compressedOffset) = recordError.kind {
                            summary.issues[summary.issues.count - 1].compressedOffset = compressedOffset
                        }
                    } else {
                        summary.records += 1  // framing verified, payload did not decode
                        // With TensorFlow's policy an undecodable event stops
                        // the file as a bad payload CRC does.
                        if options.onPayloadMismatch == .stop {
                            stoppedAt = error.offset
                            break
                        }
                    }
                    if error.isResumable { continue }
                    break
                }
                guard let event else { break }
                summary.records += 1
                summary.events += 1
                if event.kind != .fileVersion {
                    if summary.firstStep == nil { summary.firstStep = event.step }
                    summary.lastStep = event.step
                }
                if event.kind == .summary {
                    do {
                        try visitValues(of: event, tags: &tags, predictedTags: &predictedTags, pending: &pending,
                                        summary: &summary, handsOutPoints: handsOutPoints, onEvent: onEvent)
                    } catch {
                        summary.corruptRecords += 1
                        let failure = ReadEventError.invalidEvent(path: path, recordOffset: event.recordOffset, error: error)
                        summary.issues.append(.init(offset: event.recordOffset, kind: failure.kindName, message: failure.message))
                        if options.onPayloadMismatch == .stop {
                            stoppedAt = event.recordOffset
                            break
                        }
                    }
                }
            }
            sinceProgress += 1
            if sinceProgress == 1 << 16, let progress {
                sinceProgress = 0
                progress(reader.inputOffset)
            }
        }
        summary.bytes = reader.offset
        summary.validEnd = reader.offset
        switch reader.endState {
        case let .truncated(validEnd, trailingBytes):
            summary.truncatedBytes = trailingBytes
            summary.validEnd = validEnd
            summary.bytes = validEnd + trailingBytes
        case .clean(let offset):
            summary.validEnd = offset
        case .stopped(let at):
            summary.validEnd = at
        case .reading:
            break
        }
        if let stoppedAt {
            summary.validEnd = stoppedAt
            summary.truncatedBytes = 0
        }
        summary.distinctTags = tags.count
        return PartialScan(start: start, summary: summary, tags: tags, stoppedAtLimit: stoppedAtLimit)
    }

    /// Visits the scalars of one summary event. They are handed out only
    /// once the whole summary decoded: a summary that does not is a corrupt
    /// record, and none of its points count (as the index does). A value
    /// that claims to be a scalar and does not decode is skipped alone, and
    /// counted even when the summary fails further on.
    private func visitValues(of event: EventView, tags: inout TagTable, predictedTags: inout TagPrediction,
                             pending: inout [ScannedPoint], summary: inout FileScanSummary,
                             handsOutPoints: Bool, onEvent: (ScannedEvent, Span<ScannedPoint>, TagTable) -> Void)
        throws(ProtoDecodingError) {
        var values = event.summaryValues()
        var index = 0
        // `pending[0 ..< count]` are this event's points: the buffer is
        // overwritten, never emptied (emptying it cost more than decoding).
        var count = 0
        var malformed = 0
        // Malformed values met before a decoding error stay counted, as the
        // index and the best-model search count them.
        defer { summary.malformedValues += malformed }
        try values.forEachValue(requireRankZero: requireRankZero, malformed: &malformed) { tagBytes, scalar in
            let tagID = tags.intern(tagBytes, predicted: &predictedTags, at: index)
            index += 1
            guard let scalar else { return }
            if handsOutPoints {
                if count < pending.count { pending[count] = (tagID, scalar) } else { pending.append((tagID, scalar)) }
            }
            count += 1
        }
        summary.scalarPoints += count
        guard handsOutPoints, count > 0 else { return }
        onEvent(ScannedEvent(step: event.step, wallTime: event.wallTime, recordOffset: event.recordOffset),
                pending.span.extracting(0 ..< count), tags)
    }
}
