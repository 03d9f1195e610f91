/// A column type of the Arrow IPC stream this package writes.
public enum ArrowType: Sendable, Hashable {
    /// 64-bit signed integers.
    case int64
    /// 64-bit floats (NaN and infinities as they are).
    case float64
    /// Booleans, bit-packed.
    case bool
    /// UTF-8 strings with 32-bit offsets.
    case utf8
    /// UTF-8 strings, dictionary-encoded with 32-bit signed indices; the
    /// dictionary `id` is sent in dictionary batches (growing by deltas).
    case dictionaryUTF8(id: Int64)
}

/// A named column of the schema.
public struct ArrowField: Sendable, Equatable {
    /// The column name.
    public var name: String
    /// Its type.
    public var type: ArrowType
    /// Whether it may hold nulls.
    public var nullable: Bool

    /// A field.
    public init(_ name: String, _ type: ArrowType, nullable: Bool = false) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// One buffer of a message body: bytes, or plain values whose in-memory
/// bytes are Arrow's layout (every platform this builds on is
/// little-endian, Arrow's byte order), handed to the output as they are:
/// a batch's columns are not copied into byte arrays first.
public struct ArrowBuffer: Sendable {
    private enum Storage: Sendable {
        case bytes([UInt8])
        case int32([Int32])
        case int64([Int64])
        case float64([Double])
    }

    private let storage: Storage

    /// Bytes.
    public init(_ bytes: [UInt8]) { storage = .bytes(bytes) }
    /// 32-bit integers (offsets, dictionary indices).
    public init(int32 values: [Int32]) { storage = .int32(values) }
    /// 64-bit integers.
    public init(int64 values: [Int64]) { storage = .int64(values) }
    /// 64-bit floats.
    public init(float64 values: [Double]) { storage = .float64(values) }

    /// Length in bytes.
    public var count: Int {
        switch storage {
        case .bytes(let values): values.count
        case .int32(let values): values.count * 4
        case .int64(let values): values.count * 8
        case .float64(let values): values.count * 8
        }
    }

    /// Calls `body` with the buffer's bytes, valid only during the call.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch storage {
        case .bytes(let values): unsafe values.withUnsafeBytes(body)
        case .int32(let values): unsafe values.withUnsafeBytes(body)
        case .int64(let values): unsafe values.withUnsafeBytes(body)
        case .float64(let values): unsafe values.withUnsafeBytes(body)
        }
    }

    /// A copy of the bytes.
    public var bytes: [UInt8] { unsafe withUnsafeBytes { unsafe Array($0) } }
}

/// The values of one column in one batch, already laid out as Arrow wants
/// them: a validity bitmap (empty when no value is null) and the value
/// buffers (values; or offsets and data for strings; or dictionary indices).
public struct ArrowColumnData: Sendable {
    /// Number of values.
    public var length: Int
    /// Number of nulls.
    public var nullCount: Int
    /// Validity bitmap (bit i set: value i present), empty when `nullCount` is 0.
    public var validity: [UInt8]
    /// The value buffers, in Arrow's order for the type.
    public var buffers: [ArrowBuffer]

    /// 64-bit integers.
    public static func int64(_ values: [Int64], valid: [Bool]? = nil) -> ArrowColumnData {
        var data = ArrowColumnData(length: values.count, nullCount: 0, validity: [], buffers: [ArrowBuffer(int64: values)])
        data.setValidity(valid)
        return data
    }

    /// 64-bit floats.
    public static func float64(_ values: [Double], valid: [Bool]? = nil) -> ArrowColumnData {
        var data = ArrowColumnData(length: values.count, nullCount: 0, validity: [], buffers: [ArrowBuffer(float64: values)])
        data.setValidity(valid)
        return data
    }

    /// 32-bit dictionary indices.
    public static func indices(_ values: [Int32], valid: [Bool]? = nil) -> ArrowColumnData {
        var data = ArrowColumnData(length: values.count, nullCount: 0, validity: [], buffers: [ArrowBuffer(int32: values)])
        data.setValidity(valid)
        return data
    }

    /// Booleans.
    public static func bool(_ values: [Bool], valid: [Bool]? = nil) -> ArrowColumnData {
        var bits = [UInt8](repeating: 0, count: (values.count + 7) / 8)
        for (i, value) in values.enumerated() where value { bits[i >> 3] |= 1 << UInt8(i & 7) }
        var data = ArrowColumnData(length: values.count, nullCount: 0, validity: [], buffers: [ArrowBuffer(bits)])
        data.setValidity(valid)
        return data
    }

    /// Strings.
    public static func utf8(_ values: [String], valid: [Bool]? = nil) -> ArrowColumnData {
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(values.count + 1)
        var data: [UInt8] = []
        for value in values {
            data += value.utf8
            offsets.append(Int32(truncatingIfNeeded: data.count))
        }
        var column = ArrowColumnData(length: values.count, nullCount: 0, validity: [],
                                     buffers: [ArrowBuffer(int32: offsets), ArrowBuffer(data)])
        column.setValidity(valid)
        return column
    }

    private mutating func setValidity(_ valid: [Bool]?) {
        guard let valid, valid.contains(false) else { return }
        var bits = [UInt8](repeating: 0, count: (valid.count + 7) / 8)
        for (i, present) in valid.enumerated() where present { bits[i >> 3] |= 1 << UInt8(i & 7) }
        validity = bits
        nullCount = valid.count - valid.count { $0 }
    }
}

/// Writes the Apache Arrow IPC *stream* format: a schema message, then
/// dictionary batches and record batches, then the end-of-stream marker.
/// Each message is `0xFFFFFFFF`, the metadata length, a FlatBuffers
/// `Message` padded to 8 bytes, and a body whose buffers each start on 8.
///
/// Dictionaries grow by delta batches: the first batch of a dictionary
/// sends all its values, later ones only the new values (`isDelta`), which
/// readers append. The writer hands out bytes through `output`; it keeps
/// nothing between batches but the schema.
///
/// ```swift
/// var writer = ArrowStreamWriter(fields: [ArrowField("step", .int64)]) { buffer in out.append(contentsOf: buffer.bytes) }
/// writer.writeBatch(length: 2, columns: [.int64([1, 2])])
/// writer.finish()
/// ```
public struct ArrowStreamWriter {
    /// The schema.
    public let fields: [ArrowField]
    private let output: (ArrowBuffer) -> Void
    private var sentDictionaries: Set<Int64> = []
    private var finished = false

    /// A writer for `fields`; the schema message is written at once.
    public init(fields: [ArrowField], output: @escaping (ArrowBuffer) -> Void) {
        self.fields = fields
        self.output = output
        writeMessage(headerType: 1, header: schemaTable(), body: Body())
    }

    /// Sends `values` for dictionary `id`: all of it the first time, the
    /// values added since afterwards (a delta).
    public mutating func writeDictionary(id: Int64, values: [String]) {
        let isDelta = sentDictionaries.contains(id)
        if isDelta && values.isEmpty { return }
        sentDictionaries.insert(id)
        let column = ArrowColumnData.utf8(values)
        let (batch, body) = recordBatch(length: values.count, columns: [column])
        writeMessage(headerType: 2, header: .table([.int64(id), .node(batch), .bool(isDelta)]), body: body)
    }

    /// Sends one record batch of `length` rows; `columns` in schema order.
    public mutating func writeBatch(length: Int, columns: [ArrowColumnData]) {
        let (batch, body) = recordBatch(length: length, columns: columns)
        writeMessage(headerType: 3, header: batch, body: body)
    }

    /// Writes the end-of-stream marker (once).
    public mutating func finish() {
        guard !finished else { return }
        finished = true
        output(ArrowBuffer([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]))
    }

    // MARK: - Messages

    /// A message body: its buffers, each written as it is and padded to 8
    /// (never gathered into one array: a batch's values are copied once,
    /// from the column into the output).
    private struct Body {
        var buffers: [ArrowBuffer] = []
        var count = 0

        static func padding(_ length: Int) -> Int { (8 - length % 8) % 8 }

        /// Adds a buffer; returns its offset in the body.
        mutating func add(_ buffer: ArrowBuffer) -> Int {
            let offset = count
            buffers.append(buffer)
            count += buffer.count + Self.padding(buffer.count)
            return offset
        }
    }

    private static let zeros = [UInt8](repeating: 0, count: 8)

    private func writeMessage(headerType: UInt8, header: FlatNode, body: Body) {
        // Message: version (V5 = 4), header_type, header, bodyLength.
        let metadata = FlatBufferBuilder.build(.table([.int16(4), .uint8(headerType), .node(header), .int64(Int64(body.count))]))
        var prefix: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
        appendLittleEndian(Int32(metadata.count), to: &prefix)
        output(ArrowBuffer(prefix + metadata))
        for buffer in body.buffers {
            if buffer.count > 0 { output(buffer) }
            let padding = Body.padding(buffer.count)
            if padding > 0 { output(ArrowBuffer(Array(Self.zeros[..<padding]))) }
        }
    }

    /// A `RecordBatch` table and its body.
    private func recordBatch(length: Int, columns: [ArrowColumnData]) -> (FlatNode, Body) {
        var body = Body()
        var nodes: [UInt8] = []
        var buffers: [UInt8] = []
        func append(_ value: Int64, to bytes: inout [UInt8]) { appendLittleEndian(value, to: &bytes) }
        func addBuffer(_ buffer: ArrowBuffer) {
            append(Int64(body.add(buffer)), to: &buffers)
            append(Int64(buffer.count), to: &buffers)
        }
        for column in columns {
            append(Int64(column.length), to: &nodes)
            append(Int64(column.nullCount), to: &nodes)
            addBuffer(ArrowBuffer(column.validity))
            for buffer in column.buffers { addBuffer(buffer) }
        }
        let bufferCount = columns.reduce(0) { $0 + 1 + $1.buffers.count }
        let table = FlatNode.table([
            .int64(Int64(length)),
            .node(.structs(bytes: nodes, count: columns.count, alignment: 8)),
            .node(.structs(bytes: buffers, count: bufferCount, alignment: 8)),
        ])
        return (table, body)
    }

    /// The `Schema` table.
    private func schemaTable() -> FlatNode {
        .table([.int16(0), .node(.tables(fields.map(fieldTable)))])
    }

    private func fieldTable(_ field: ArrowField) -> FlatNode {
        // Type union codes: Int 2, FloatingPoint 3, Utf8 5, Bool 6.
        let typeCode: UInt8
        let type: FlatNode
        var dictionary: FlatSlot?
        switch field.type {
        case .int64: (typeCode, type) = (2, .table([.int32(64), .bool(true)]))
        case .float64: (typeCode, type) = (3, .table([.int16(2)]))
        case .bool: (typeCode, type) = (6, .table([]))
        case .utf8: (typeCode, type) = (5, .table([]))
        case .dictionaryUTF8(let id):
            (typeCode, type) = (5, .table([]))
            // DictionaryEncoding: id, indexType Int(32, signed), isOrdered.
            dictionary = .node(.table([.int64(id), .node(.table([.int32(32), .bool(true)])), .bool(false)]))
        }
        return .table([.node(.string(field.name)), .bool(field.nullable), .uint8(typeCode), .node(type), dictionary,
                       .node(.tables([]))])
    }
}

/// `value`'s bytes, least significant first.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    for shift in stride(from: 0, to: T.bitWidth, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
}
