import TFRecord

/// One `Event` (`tensorflow/core/util/event.proto`, layout in
/// docs/FORMAT.md), decoded from a record's payload without copying.
///
/// Decoding reads the top-level fields only: `wall_time`, `step`, and which
/// `what` member is present with its bytes. Summary values are walked on
/// demand with ``summaryValues()``; other members (graphs, run metadata)
/// are never decoded, only lent as ``memberBytes``.
///
/// The view is non-escapable: it borrows the record it was decoded from,
/// and the compiler keeps it from outliving it.
public struct EventView: ~Escapable {
    /// `wall_time`, seconds since the epoch.
    public private(set) var wallTime: Double = 0
    /// `step` (0 when absent).
    public private(set) var step: Int64 = 0
    /// The `what` member present.
    public private(set) var kind: EventKind = .none
    /// Offset of the record holding this event in the (uncompressed) stream.
    public let recordOffset: Int
    /// Length of the serialized event.
    public let payloadLength: Int
    /// The serialized `what` member (a `Summary`, a `GraphDef`, the
    /// `file_version` text, ...), borrowed; empty when there is none.
    public private(set) var memberBytes: RawSpan

    /// Decodes the top level of the event in `record`.
    ///
    /// - Throws: ``ProtoDecodingError`` (offset inside the payload).
    @_lifetime(copy record)
    @inline(__always)
    public init(record: RecordView) throws(ProtoDecodingError) {
        try self.init(payload: record.payload, recordOffset: record.offset)
    }

    /// Decodes the top level of the serialized event `payload`.
    @_lifetime(copy payload)
    @inline(__always)
    package init(payload: RawSpan, recordOffset: Int) throws(ProtoDecodingError) {
        self.recordOffset = recordOffset
        payloadLength = payload.byteCount
        memberBytes = payload.extracting(first: 0)
        if decodeShortForm(payload) { return }
        try decodeGeneral(payload)
    }

    /// Decodes with the general protobuf reader (every wire type, unknown
    /// fields, long varints). ``decodeShortForm(_:)`` handles the usual case.
    @_lifetime(self: copy payload)
    package mutating func decodeGeneral(_ payload: RawSpan) throws(ProtoDecodingError) {
        wallTime = 0
        step = 0
        kind = .none
        memberBytes = payload.extracting(first: 0)
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
                kind = EventKind(field: UInt8(truncatingIfNeeded: key >> 3))
            default:
                try reader.skipField(raw: key)
            }
        }
    }

    /// The event as every writer lays it out — `wall_time`, `step`, one
    /// `what` member, in any order, nothing else — decoded with a local
    /// offset. Returns false for anything else (unknown fields, a varint
    /// longer than 10 bytes, a length past the end), leaving the general
    /// decoder to produce the same answer or the error with its offset.
    @inline(__always)
    @_lifetime(self: copy payload)
    private mutating func decodeShortForm(_ payload: RawSpan) -> Bool {
        let bytes = ShortForm(payload)
        if let plain = bytes.plainEvent() {  // a step's event, in one test
            wallTime = Double(bitPattern: plain.wallTimeBits)
            step = Int64(bitPattern: plain.step)
            kind = EventKind(field: plain.key >> 3)
            memberBytes = payload.extracting(plain.memberStart...)
            return true
        }
        var p = 0
        while p < bytes.count {
            guard let key = bytes.byte(at: p) else { return false }
            p &+= 1  // p < count
            switch key {
            case 0x09:  // wall_time, fixed64
                guard let bits = bytes.fixed64(at: p) else { return false }
                wallTime = Double(bitPattern: bits)
                p &+= 8  // the 8 bytes were read: p + 8 <= count
            case 0x10:  // step, varint
                guard let (value, next) = bytes.varint(at: p) else { return false }
                step = Int64(bitPattern: value)
                p = next
            case 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42, 0x4A:  // what
                guard let (length, next) = bytes.varint(at: p), length <= UInt64(bytes.count &- next),  // next <= count
                      let member = bytes.span(at: next, length: Int(length)) else { return false }
                memberBytes = member
                kind = EventKind(field: key >> 3)
                p = next &+ Int(length)  // length <= count - next, checked above
            default:
                return false
            }
        }
        return true
    }

    /// `file_version` ("brain.Event:2"), or nil for other events.
    public var fileVersion: String? {
        kind == .fileVersion ? memberBytes.utf8String : nil
    }

    /// The decoded `session_log`, or nil for other events.
    public func sessionLog() throws(ProtoDecodingError) -> SessionLog? {
        kind == .sessionLog ? try SessionLog(decoding: memberBytes) : nil
    }

    /// The values of the `summary` member, in wire order (empty for other
    /// events). Iterating decodes each value's field boundaries only.
    @_lifetime(copy self)
    @inline(__always)
    public func summaryValues() -> SummaryValues {
        SummaryValues(summary: kind == .summary ? memberBytes : memberBytes.extracting(first: 0))
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
public struct SummaryValues: ~Escapable {
    /// Most values one event may hold: 65,536. TensorFlow writers put one
    /// value per event (TF2, Keras) or one per summary op of a merged
    /// summary (TF1, rarely more than a few thousand). A summary with more
    /// is rejected with ``ProtoDecodingError/Kind/tooManyValues(limit:)``
    /// before the value past the limit is decoded, so a damaged or hostile
    /// event cannot make a consumer grow its per-event tables without bound.
    public static let maxValuesPerEvent = 1 << 16

    var reader: ProtoReader
    /// Values returned so far.
    var returned = 0

    /// Whether every value has been read: cheaper than a last call of
    /// ``next(into:)`` that finds none, for loops that skim values first.
    @inline(__always)
    package var isAtEnd: Bool { reader.isAtEnd }

    /// The values of the serialized `Summary` in `summary`.
    @_lifetime(copy summary)
    package init(summary: RawSpan) {
        reader = ProtoReader(summary)
    }

    /// The next value, or nil after the last.
    ///
    /// - Throws: ``ProtoDecodingError`` (offset inside the summary message).
    @_alwaysEmitIntoClient @inline(__always)
    @_lifetime(copy self)
    public mutating func next() throws(ProtoDecodingError) -> SummaryValueView? {
        var value = SummaryValueView()
        return try next(into: &value) ? value : nil
    }

    /// Decodes the next value into `value`; false after the last.
    ///
    /// Hot loops use this form: returning a view of this size by value made
    /// the caller copy it through memory the callee had just written
    /// piecewise, a store-forwarding stall per value that perf showed as a
    /// fifth of an index build.
    @_lifetime(value: copy self)
    public mutating func next(into value: inout SummaryValueView) throws(ProtoDecodingError) -> Bool {
        // The usual case: key 0x0A, a short length, a value in short form,
        // parsed as offsets; the spans are made once, at the end.
        if returned < Self.maxValuesPerEvent, let parts = reader.readShortSummaryValue() {
            returned &+= 1  // < maxValuesPerEvent
            value.assign(parts, spans: reader.spans(of: parts))
            return true
        }
        while !reader.isAtEnd {
            let keyStart = reader.offset
            let key = try reader.readRawKey()
            if key == 0x0A {  // 1 value, length-delimited
                try countValue(at: keyStart)
                let bytes = try reader.readLengthDelimited()
                do {
                    value = try SummaryValueView(decoding: bytes)
                    return true
                } catch {
                    throw ProtoDecodingError(kind: error.kind, offset: reader.offset(of: bytes) + error.offset)
                }
            }
            try reader.skipField(raw: key)
        }
        return false
    }

    /// Counts one more value starting at offset `start`; throws past the limit.
    @inline(__always)
    private mutating func countValue(at start: Int) throws(ProtoDecodingError) {
        guard returned < Self.maxValuesPerEvent else {
            throw ProtoDecodingError(kind: .tooManyValues(limit: Self.maxValuesPerEvent), offset: start)
        }
        returned &+= 1  // < maxValuesPerEvent
    }
}
