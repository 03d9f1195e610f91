import TFRecord

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
    package var memberBytes = UnsafeRawBufferPointer(start: nil, count: 0)

    /// Decodes the top level of the event in `record`.
    ///
    /// - Throws: ``ProtoDecodingError`` (offset inside the payload).
    public init(record: RecordView) throws(ProtoDecodingError) {
        try self.init(payload: record.payload, recordOffset: record.offset)
    }

    package init(payload: UnsafeRawBufferPointer, recordOffset: Int) throws(ProtoDecodingError) {
        self.recordOffset = recordOffset
        payloadLength = payload.count
        if decodeShortForm(payload) { return }
        try decodeGeneral(payload)
    }

    /// Decodes with the general protobuf reader (every wire type, unknown
    /// fields, long varints). ``decodeShortForm(_:)`` handles the usual case.
    package mutating func decodeGeneral(_ payload: UnsafeRawBufferPointer) throws(ProtoDecodingError) {
        wallTime = 0
        step = 0
        kind = .none
        memberBytes = UnsafeRawBufferPointer(start: nil, count: 0)
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

    /// The event as every writer lays it out — `wall_time`, `step`, one
    /// `what` member, in any order, nothing else — decoded with a local
    /// cursor. Returns false for anything else (unknown fields, a varint
    /// longer than 10 bytes, a length past the end), leaving the general
    /// decoder to produce the same answer or the error with its offset.
    @inline(__always)
    private mutating func decodeShortForm(_ payload: UnsafeRawBufferPointer) -> Bool {
        guard let base = payload.baseAddress else { return payload.isEmpty }
        let count = payload.count
        var p = 0
        while p < count {
            let key = base.load(fromByteOffset: p, as: UInt8.self)
            p += 1
            switch key {
            case 0x09:  // wall_time, fixed64
                guard p + 8 <= count else { return false }
                wallTime = Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt64.self)))
                p += 8
            case 0x10:  // step, varint
                guard let (value, next) = ShortForm.varint(base, p, count) else { return false }
                step = Int64(bitPattern: value)
                p = next
            case 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42, 0x4A:  // what
                guard let (length, next) = ShortForm.varint(base, p, count),
                      length <= UInt64(count - next) else { return false }
                memberBytes = UnsafeRawBufferPointer(start: base + next, count: Int(length))
                kind = EventKind(rawValue: key >> 3) ?? .none
                p = next + Int(length)
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
    /// Most values one event may hold: 65,536. TensorFlow writers put one
    /// value per event (TF2, Keras) or one per summary op of a merged
    /// summary (TF1, rarely more than a few thousand). A summary with more
    /// is rejected with ``ProtoDecodingError/Kind/tooManyValues(limit:)``
    /// before the value past the limit is decoded, so a damaged or hostile
    /// event cannot make a consumer grow its per-event tables without bound.
    public static let maxValuesPerEvent = 1 << 16

    var reader: ProtoReader
    /// Values returned so far.
    private var returned = 0

    package init(summary: UnsafeRawBufferPointer) {
        reader = ProtoReader(summary)
    }

    /// The next value, or nil after the last.
    ///
    /// - Throws: ``ProtoDecodingError`` (offset inside the summary message).
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
    public mutating func next(into value: inout SummaryValueView) throws(ProtoDecodingError) -> Bool {
        // The usual case: key 0x0A, a short length, a value in short form.
        let base = reader.cursor, count = reader.end - reader.cursor
        if count >= 2, base.load(as: UInt8.self) == 0x0A,
           let (length, next) = ShortForm.varint(base, 1, count), length <= UInt64(count - next) {
            let bytes = UnsafeRawBufferPointer(start: base + next, count: Int(length))
            value.reset()
            if SummaryValueView.decodeShortForm(bytes, into: &value) {
                try countValue(at: base)
                reader.cursor = base + next + Int(length)
                return true
            }
        }
        while !reader.isAtEnd {
            let keyStart = reader.cursor
            let key = try reader.readRawKey()
            if key == 0x0A {  // 1 value, length-delimited
                try countValue(at: keyStart)
                let bytes = try reader.readLengthDelimited()
                do {
                    value = try SummaryValueView(decoding: bytes)
                    return true
                } catch {
                    let start = bytes.baseAddress.map { $0 - reader.start } ?? 0
                    throw ProtoDecodingError(kind: error.kind, offset: start + error.offset)
                }
            }
            try reader.skipField(raw: key)
        }
        return false
    }

    /// Counts one more value starting at `start`; throws past the limit.
    @inline(__always)
    private mutating func countValue(at start: UnsafeRawPointer) throws(ProtoDecodingError) {
        guard returned < Self.maxValuesPerEvent else {
            throw ProtoDecodingError(kind: .tooManyValues(limit: Self.maxValuesPerEvent), offset: start - reader.start)
        }
        returned &+= 1
    }
}

/// Helpers of the short-form decoders: a local-cursor varint.
enum ShortForm {
    /// Reads a varint at `base[p...]` of `count` bytes: (value, next offset),
    /// or nil when it runs past the end or past 10 bytes.
    @inline(__always)
    static func varint(_ base: UnsafeRawPointer, _ p: Int, _ count: Int) -> (UInt64, Int)? {
        guard p < count else { return nil }
        let first = base.load(fromByteOffset: p, as: UInt8.self)
        if first < 0x80 { return (UInt64(first), p + 1) }
        var value = UInt64(first & 0x7F)
        var shift: UInt64 = 7
        var q = p + 1
        while q < count && q < p + 10 {
            let byte = base.load(fromByteOffset: q, as: UInt8.self)
            value |= UInt64(byte & 0x7F) << shift
            q += 1
            if byte < 0x80 { return (value, q) }
            shift += 7
        }
        return nil
    }
}
