/// Serializes ``EventRecord``s exactly as TensorFlow does.
///
/// TensorFlow's C++ serializer (and the Python protobuf runtime) write the
/// fields of a message in ascending field-number order, oneof members
/// included, and leave out proto3 scalars equal to zero, empty strings and
/// bytes, and empty repeated fields. Embedded messages and oneof members are
/// written when set, even when empty or zero. This encoder follows the same
/// rules, so its output is byte-identical to TensorFlow's for the same event
/// (checked against FORMAT §1.4 records R1–R4 in the tests).
///
/// One encoder is meant to be reused: each ``encode(_:)`` replaces the
/// previous payload and keeps the buffer's capacity, so
/// encoding a stream of events allocates nothing once the buffer fits the
/// largest event.
///
/// ```swift
/// var encoder = EventEncoder()
/// encoder.encode(.fileVersion(wallTime: 1_600_000_000))
/// try recordWriter.write(encoder.span)
/// ```
public struct EventEncoder: ~Copyable, Sendable {
    /// The protobuf writer holding the last encoded payload.
    package private(set) var writer: ProtoWriter

    /// An encoder whose buffer holds `capacity` bytes before growing.
    public init(capacity: Int = 1024) {
        writer = ProtoWriter(capacity: capacity)
    }

    /// A copy of the payload encoded by the last `encode` call. Allocates;
    /// ``span`` does not.
    public var bytes: [UInt8] { writer.bytes }

    /// The last payload, borrowed from the encoder without copying.
    /// Lends ``span`` to `body`: the form to use where the value is a
    /// stored property of a class, which a span cannot borrow past one access.
    public func withSpan<R, E: Error>(_ body: (RawSpan) throws(E) -> R) throws(E) -> R {
        try body(span)
    }

    public var span: RawSpan {
        @_lifetime(borrow self)
        get { writer.span }
    }

    /// The serialized `Event` for `event`. Allocates; reuse an encoder in loops.
    public static func encoded(_ event: EventRecord) -> [UInt8] {
        var encoder = EventEncoder(capacity: 64)
        encoder.encode(event)
        return encoder.bytes
    }

    /// Replaces the payload with the serialized `event`.
    public mutating func encode(_ event: EventRecord) {
        writer.removeAll()
        writer.writeEventHeader(wallTime: event.wallTime, step: event.step)
        if let what = event.what { writer.writeWhat(what) }
        if let sourceWriter = event.sourceWriter {
            writer.writeMessage(field: 10) { $0.writeNonEmptyString(field: 1, sourceWriter) }
        }
    }

    /// Replaces the payload with a summary event of scalar points, without
    /// building an ``EventRecord``. Produces the same bytes as
    /// `encode(.scalars(wallTime:step:points:style:))`.
    ///
    /// Not generic on purpose: a generic function called from another
    /// module runs unspecialized, several times slower.
    ///
    /// - Parameters:
    ///   - points: `(tag, value, style)` triples, written in order.
    public mutating func encodeScalars(wallTime: Double, step: Int64,
                                       _ points: [(tag: String, value: Float, style: EventRecord.ScalarStyle)]) {
        writer.removeAll()
        writer.writeEventHeader(wallTime: wallTime, step: step)
        writer.writeMessage(field: 5) { summary in
            for point in points {
                summary.writeMessage(field: 1) { $0.writeScalarValue(tag: point.tag, point.value, style: point.style) }
            }
        }
    }

    /// Scalar `Summary.Value` fields serialized once per `(tag, style)`,
    /// each with the position of its four value bytes.
    ///
    /// Writers of many points with few tags (generators, exporters) encode
    /// each point as a copy of its template with the value patched in: see
    /// ``EventEncoder/encodeScalars(wallTime:step:templates:_:)``. The
    /// templates are the encoder's own output for a zero value, so the result
    /// is byte-identical to encoding field by field.
    public struct ScalarTemplates: Sendable {
        /// The tag and style of each template, in index order.
        public let entries: [(tag: String, style: EventRecord.ScalarStyle)]
        /// Every template's bytes (key, length, message), back to back.
        let bytes: [UInt8]
        /// Template `i` is `bytes[starts[i] ..< starts[i + 1]]`.
        let starts: [Int]
        /// Offset in `bytes` of template `i`'s little-endian float32 value.
        let valueOffsets: [Int]

        /// Serializes a template for each `(tag, style)`.
        public init(_ entries: [(tag: String, style: EventRecord.ScalarStyle)]) {
            self.entries = entries
            var bytes: [UInt8] = []
            var starts = [0]
            var valueOffsets: [Int] = []
            for (tag, style) in entries {
                // Encode with two different values; the four bytes that differ
                // are the value.
                func encoded(_ bits: UInt32) -> [UInt8] {
                    var writer = ProtoWriter(capacity: 64)
                    writer.writeMessage(field: 1) { $0.writeScalarValue(tag: tag, Float(bitPattern: bits), style: style) }
                    return writer.bytes
                }
                let zero = encoded(0)
                let ones = encoded(0xFFFF_FFFF)
                valueOffsets.append(bytes.count + (zero.indices.first { zero[$0] != ones[$0] } ?? 0))
                bytes += zero
                starts.append(bytes.count)
            }
            self.bytes = bytes
            self.starts = starts
            self.valueOffsets = valueOffsets
        }

        /// Number of templates.
        public var count: Int { entries.count }
    }

    /// Replaces the payload with a summary event whose values are copies of
    /// `templates` with the points' values patched in: the fastest way to
    /// write scalars (one copy per point, nothing encoded field by field).
    /// Produces the same bytes as ``encodeScalars(wallTime:step:_:)``.
    ///
    /// - Parameters:
    ///   - templates: the templates the points refer to.
    ///   - points: `(template index, value)` pairs, written in order.
    /// - Precondition: every template index is below `templates.count`.
    public mutating func encodeScalars(wallTime: Double, step: Int64, templates: ScalarTemplates,
                                       _ points: [(template: Int, value: Float)]) {
        writer.removeAll()
        writer.writeEventHeader(wallTime: wallTime, step: step)
        let starts = templates.starts.span
        var summaryLength = 0
        for point in points {
            precondition(point.template >= 0 && point.template < templates.count, "template index out of range")
            summaryLength += starts[point.template + 1] - starts[point.template]
        }
        writer.writeKey(field: 5, wireType: .lengthDelimited)
        writer.writeVarint(UInt64(summaryLength))
        let bytes = templates.bytes.rawSpan
        for point in points {
            let start = starts[point.template]
            let position = writer.count
            writer.writeRawBytes(bytes.extracting(start ..< starts[point.template + 1]))
            writer.setFixed32(point.value.bitPattern,
                              at: position + templates.valueOffsets[point.template] - start)
        }
    }
}

// MARK: - Message bodies, in field-number order

extension ProtoWriter {
    /// `wall_time` (1) and `step` (2), each omitted when zero (proto3).
    mutating func writeEventHeader(wallTime: Double, step: Int64) {
        // proto3 compares the bit pattern: -0.0 is written, +0.0 is not.
        if wallTime.bitPattern != 0 { writeDouble(field: 1, wallTime) }
        if step != 0 { writeInt64(field: 2, step) }
    }

    mutating func writeWhat(_ what: EventRecord.What) {
        switch what {
        case .fileVersion(let version):
            writeString(field: 3, version)
        case .graphDef(let bytes):
            writeBytes(field: 4, bytes)
        case .summary(let values):
            writeMessage(field: 5) { summary in
                for value in values { summary.writeMessage(field: 1) { $0.writeSummaryValue(value) } }
            }
        case let .logMessage(level, message):
            writeMessage(field: 6) { log in
                log.writeNonZeroInt(field: 1, Int64(level))
                log.writeNonEmptyString(field: 2, message)
            }
        case let .sessionLog(status, checkpointPath, message):
            writeMessage(field: 7) { log in
                log.writeNonZeroInt(field: 1, Int64(status.rawValue))
                log.writeNonEmptyString(field: 2, checkpointPath)
                log.writeNonEmptyString(field: 3, message)
            }
        case let .taggedRunMetadata(tag, runMetadata):
            writeMessage(field: 8) { tagged in
                tagged.writeNonEmptyString(field: 1, tag)
                tagged.writeNonEmptyBytes(field: 2, runMetadata)
            }
        case .metaGraphDef(let bytes):
            writeBytes(field: 9, bytes)
        }
    }

    /// `Summary.Value`: tag (1), the oneof member (2–6, 8) and node_name (7)
    /// interleaved by number, metadata (9).
    mutating func writeSummaryValue(_ value: EventRecord.Value) {
        writeNonEmptyString(field: 1, value.tag)
        switch value.value {
        case .none, .tensor:
            break
        case .simpleValue(let number):
            writeFloat(field: 2, number)
        case .obsoleteHistogram(let bytes):
            writeBytes(field: 3, bytes)
        case .image(let image):
            writeMessage(field: 4) { $0.writeImage(image) }
        case .histogram(let histogram):
            writeMessage(field: 5) { $0.writeHistogram(histogram) }
        case .audio(let audio):
            writeMessage(field: 6) { $0.writeAudio(audio) }
        }
        writeNonEmptyString(field: 7, value.nodeName)
        if case .tensor(let tensor) = value.value {
            writeMessage(field: 8) { $0.writeTensor(tensor) }
        }
        if let metadata = value.metadata {
            writeMessage(field: 9) { $0.writeMetadata(metadata) }
        }
    }

    /// The body of a scalar `Summary.Value` as the writer of `style` writes it.
    mutating func writeScalarValue(tag: String, _ number: Float, style: EventRecord.ScalarStyle) {
        writeNonEmptyString(field: 1, tag)
        switch style {
        case .simpleValue:
            writeFloat(field: 2, number)
        case .tf2Tensor:
            writeMessage(field: 8) { tensor in
                tensor.writeVarint(field: 1, UInt64(DataType.float.rawValue))
                tensor.writeMessage(field: 2) { _ in }
                tensor.writeKey(field: 4, wireType: .lengthDelimited)
                tensor.writeVarint(4)
                tensor.writeFixed32(number.bitPattern)
            }
            writeScalarsMetadata()
        case .floatValueTensor:
            writeMessage(field: 8) { tensor in
                tensor.writeVarint(field: 1, UInt64(DataType.float.rawValue))
                tensor.writeMessage(field: 2) { _ in }
                tensor.writePackedFloats(field: 5, CollectionOfOne(number))
            }
            writeScalarsMetadata()
        }
    }

    /// `metadata { plugin_data { plugin_name: "scalars" } }`, as bytes: the
    /// constant tail of every TF2 scalar point.
    mutating func writeScalarsMetadata() {
        writeMessage(field: 9) { metadata in
            metadata.writeMessage(field: 1) { $0.writeString(field: 1, "scalars") }
        }
    }

    mutating func writeMetadata(_ metadata: EventRecord.Metadata) {
        if let plugin = metadata.pluginData {
            writeMessage(field: 1) { data in
                data.writeNonEmptyString(field: 1, plugin.name)
                data.writeNonEmptyBytes(field: 2, plugin.content)
            }
        }
        writeNonEmptyString(field: 2, metadata.displayName)
        writeNonEmptyString(field: 3, metadata.summaryDescription)
        writeNonZeroInt(field: 4, Int64(metadata.dataClass.rawValue))
    }

    mutating func writeTensor(_ tensor: EventRecord.Tensor) {
        writeNonZeroInt(field: 1, Int64(tensor.dtype.rawValue))
        if let shape = tensor.shape {
            writeMessage(field: 2) { $0.writeShape(shape) }
        }
        writeNonZeroInt(field: 3, Int64(tensor.versionNumber))
        switch tensor.content {
        case .none:
            break
        case .tensorContent(let bytes):
            writeNonEmptyBytes(field: 4, bytes)
        case .floatValues(let values):
            writePackedFloats(field: 5, values)
        case .doubleValues(let values):
            writePackedDoubles(field: 6, values)
        case .int32Values(let values):
            writePackedVarints(field: 7, values.lazy.map { UInt64(bitPattern: Int64($0)) })
        case .stringValues(let values):
            for value in values { writeBytes(field: 8, value) }
        case .complex64Values(let values):
            writePackedFloats(field: 9, values)
        case .int64Values(let values):
            writePackedVarints(field: 10, values.lazy.map { UInt64(bitPattern: $0) })
        case .boolValues(let values):
            writePackedVarints(field: 11, values.lazy.map { $0 ? 1 : 0 })
        case .complex128Values(let values):
            writePackedDoubles(field: 12, values)
        case .halfValues(let values):
            writePackedVarints(field: 13, values.lazy.map { UInt64($0) })
        case .uint32Values(let values):
            writePackedVarints(field: 16, values.lazy.map { UInt64($0) })
        case .uint64Values(let values):
            writePackedVarints(field: 17, values)
        }
    }

    mutating func writeShape(_ shape: EventRecord.Tensor.Shape) {
        for dimension in shape.dimensions {
            writeMessage(field: 2) { dim in
                dim.writeNonZeroInt(field: 1, dimension.size)
                dim.writeNonEmptyString(field: 2, dimension.name)
            }
        }
        if shape.unknownRank { writeBool(field: 3, true) }
    }

    mutating func writeHistogram(_ histogram: EventRecord.Histogram) {
        writeNonZeroDouble(field: 1, histogram.min)
        writeNonZeroDouble(field: 2, histogram.max)
        writeNonZeroDouble(field: 3, histogram.num)
        writeNonZeroDouble(field: 4, histogram.sum)
        writeNonZeroDouble(field: 5, histogram.sumSquares)
        writePackedDoubles(field: 6, histogram.bucketLimits)
        writePackedDoubles(field: 7, histogram.buckets)
    }

    mutating func writeImage(_ image: EventRecord.Image) {
        writeNonZeroInt(field: 1, Int64(image.height))
        writeNonZeroInt(field: 2, Int64(image.width))
        writeNonZeroInt(field: 3, Int64(image.colorspace))
        writeNonEmptyBytes(field: 4, image.encoded)
    }

    mutating func writeAudio(_ audio: EventRecord.Audio) {
        if audio.sampleRate.bitPattern != 0 { writeFloat(field: 1, audio.sampleRate) }
        writeNonZeroInt(field: 2, audio.channelCount)
        writeNonZeroInt(field: 3, audio.frameCount)
        writeNonEmptyBytes(field: 4, audio.encoded)
        writeNonEmptyString(field: 5, audio.contentType)
    }

    // MARK: proto3 implicit presence

    mutating func writeNonZeroInt(field: UInt32, _ value: Int64) {
        if value != 0 { writeInt64(field: field, value) }
    }

    mutating func writeNonZeroDouble(field: UInt32, _ value: Double) {
        if value.bitPattern != 0 { writeDouble(field: field, value) }
    }

    mutating func writeNonEmptyString(field: UInt32, _ value: String) {
        if !value.utf8.isEmpty { writeString(field: field, value) }
    }

    mutating func writeNonEmptyBytes(field: UInt32, _ value: [UInt8]) {
        if !value.isEmpty { writeBytes(field: field, value) }
    }
}
