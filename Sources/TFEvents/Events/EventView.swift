/// One `Event` (SPEC C.2), decoded from a record's payload without copying.
///
/// Decoding reads the top-level fields only: `wall_time`, `step`, and which
/// `what` member is present with its byte range. Summary values are walked
/// on demand with ``summaryValues()``; other members (graphs, run metadata)
/// are never decoded, only lent with ``withMemberBytes(_:)``.
///
/// Valid as long as the ``RecordView`` it was decoded from.
public struct EventView {
    /// `wall_time`, seconds since the epoch.
    public internal(set) var wallTime: Double = 0
    /// `step` (0 when absent).
    public internal(set) var step: Int64 = 0
    /// The `what` member present.
    public internal(set) var kind: EventKind = .none
    /// Offset of the record holding this event in the (uncompressed) stream.
    public let recordOffset: Int
    /// Length of the serialized event.
    public let payloadLength: Int
    var memberBytes = UnsafeRawBufferPointer(start: nil, count: 0)

    /// Decodes the top level of the event in `record`.
    ///
    /// - Throws: ``ProtoDecodingError`` (offset inside the payload).
    public init(record: RecordView) throws(ProtoDecodingError) {
        try self.init(payload: record.payload, recordOffset: record.offset)
    }

    init(payload: UnsafeRawBufferPointer, recordOffset: Int) throws(ProtoDecodingError) {
        self.recordOffset = recordOffset
        payloadLength = payload.count
        var reader = ProtoReader(payload)
        while !reader.isAtEnd {
            // Raw keys: (field << 3) | wire type.
            let key = try reader.readRawKey()
            switch key {
            case 0x09:  // 1 wall_time, fixed64
                wallTime = Double(bitPattern: try reader.readFixed64())
            case 0x10:  // 2 step, varint
                step = Int64(bitPattern: try reader.readVarint())
            case 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42, 0x4A:  // 3...9, length-delimited
                // oneof: the last member on the wire wins.
                memberBytes = try reader.readLengthDelimited()
                kind = EventKind(rawValue: UInt8(truncatingIfNeeded: key >> 3)) ?? .none
            default:
                try reader.skipField(raw: key)
            }
        }
    }

    /// `file_version` ("brain.Event:2"), or nil for other events.
    public var fileVersion: String? {
        kind == .fileVersion ? memberBytes.utf8String : nil
    }

    /// The decoded `session_log`, or nil for other events.
    public func sessionLog() throws(ProtoDecodingError) -> SessionLog? {
        kind == .sessionLog ? try SessionLog(decoding: memberBytes) : nil
    }

    /// Lends the serialized `what` member (a GraphDef, Summary, ...).
    public func withMemberBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(memberBytes)
    }

    /// The values of the `summary` member, in wire order (empty for other
    /// events). Iterating decodes each value's field boundaries only.
    public func summaryValues() -> SummaryValues {
        SummaryValues(summary: kind == .summary ? memberBytes : UnsafeRawBufferPointer(start: nil, count: 0))
    }
}

/// The `Summary.Value`s of one event, iterated without copying.
///
/// ```swift
/// var values = event.summaryValues()
/// while let value = try values.next() {
///     if let scalar = try value.scalar() { print(value.tag, scalar.value) }
/// }
/// ```
public struct SummaryValues {
    var reader: ProtoReader

    init(summary: UnsafeRawBufferPointer) {
        reader = ProtoReader(summary)
    }

    /// The next value, or nil after the last.
    ///
    /// - Throws: ``ProtoDecodingError`` (offset inside the summary message).
    public mutating func next() throws(ProtoDecodingError) -> SummaryValueView? {
        while !reader.isAtEnd {
            let key = try reader.readRawKey()
            if key == 0x0A {  // 1 value, length-delimited
                let value = try reader.readLengthDelimited()
                do {
                    return try SummaryValueView(decoding: value)
                } catch {
                    let start = value.baseAddress.map { $0 - reader.start } ?? 0
                    throw ProtoDecodingError(kind: error.kind, offset: start + error.offset)
                }
            }
            try reader.skipField(raw: key)
        }
        return nil
    }
}
