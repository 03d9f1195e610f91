import TFRecord

/// A hyperparameter's value: a `google.protobuf.Value`, as the HParams
/// plugin stores it (numbers are doubles; TensorFlow and tensorboardX write
/// integers as numbers too).
public enum HParamValue: Sendable, Hashable, CustomStringConvertible {
    /// `null_value`, or a `Value` with no member set.
    case null
    /// `number_value`.
    case number(Double)
    /// `string_value`.
    case string(String)
    /// `bool_value`.
    case bool(Bool)
    /// `list_value`.
    case list([HParamValue])
    /// `struct_value`, its fields sorted by name.
    case object([Field])

    /// One field of a `struct_value`.
    public struct Field: Sendable, Hashable {
        /// The field's name.
        public var name: String
        /// Its value.
        public var value: HParamValue
    }

    /// Deepest nesting of lists and structs accepted: a hostile value
    /// cannot exhaust the stack.
    static let maxDepth = 32

    /// The value as text: numbers in their shortest round-trip form
    /// (integral ones without a fraction), strings as they are, `true`,
    /// `false`, `null`, lists and structs in JSON-like brackets.
    public var description: String {
        switch self {
        case .null: return "null"
        case .number(let number): return Self.text(of: number)
        case .string(let string): return string
        case .bool(let bool): return bool ? "true" : "false"
        case .list(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let fields): return "{" + fields.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    /// The number's value, when it is one (a bool counts as 0 or 1, the
    /// way PyTorch's writer stores bools); nil otherwise.
    public var numericValue: Double? {
        switch self {
        case .number(let number): return number
        case .bool(let bool): return bool ? 1 : 0
        default: return nil
        }
    }

    /// `1`, `0.5`, `1e-05`, `nan`, `inf`: integral numbers below 2^53
    /// print without a fraction.
    static func text(of number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 { return String(Int64(number)) }
        return String(number)
    }

    /// Decodes a `google.protobuf.Value`.
    init(decoding bytes: RawSpan, depth: Int = 0) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        guard depth < Self.maxDepth else { throw reader.error(.nestingTooDeep(limit: Self.maxDepth)) }
        var value = HParamValue.null
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .varint):
                _ = try reader.readVarint()
                value = .null
            case (2, .fixed64):
                value = .number(Double(bitPattern: try reader.readFixed64()))
            case (3, .lengthDelimited):
                value = .string(try reader.readLengthDelimited().utf8String)
            case (4, .varint):
                value = .bool(try reader.readVarint() != 0)
            case (5, .lengthDelimited):
                value = .object(try Self.fields(decoding: try reader.readLengthDelimited(), depth: depth + 1))
            case (6, .lengthDelimited):
                value = .list(try Self.list(decoding: try reader.readLengthDelimited(), depth: depth + 1))
            default:
                try reader.skipField(key)
            }
        }
        self = value
    }

    /// Decodes a `google.protobuf.ListValue` (`repeated Value values = 1`).
    static func list(decoding bytes: RawSpan, depth: Int) throws(ProtoDecodingError) -> [HParamValue] {
        var reader = ProtoReader(bytes)
        var values: [HParamValue] = []
        while !reader.isAtEnd {
            let key = try reader.readKey()
            if key.number == 1, key.wireType == .lengthDelimited {
                values.append(try HParamValue(decoding: try reader.readLengthDelimited(), depth: depth))
            } else {
                try reader.skipField(key)
            }
        }
        return values
    }

    /// Decodes a `google.protobuf.Struct` (`map<string, Value> fields = 1`),
    /// fields sorted by name; a repeated name keeps its last value, as a
    /// protobuf map does.
    static func fields(decoding bytes: RawSpan, depth: Int) throws(ProtoDecodingError) -> [Field] {
        var reader = ProtoReader(bytes)
        var fields: [String: HParamValue] = [:]
        while !reader.isAtEnd {
            let key = try reader.readKey()
            if key.number == 1, key.wireType == .lengthDelimited {
                let entry = try MapEntry(decoding: try reader.readLengthDelimited(), depth: depth)
                fields[entry.name] = entry.value
            } else {
                try reader.skipField(key)
            }
        }
        return fields.keys.sorted().map { Field(name: $0, value: fields[$0] ?? .null) }
    }
}

/// One entry of a `map<string, google.protobuf.Value>`: key 1, value 2.
struct MapEntry {
    var name = ""
    var value = HParamValue.null

    init(decoding bytes: RawSpan, depth: Int) throws(ProtoDecodingError) {
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .lengthDelimited): name = try reader.readLengthDelimited().utf8String
            case (2, .lengthDelimited): value = try HParamValue(decoding: try reader.readLengthDelimited(), depth: depth)
            default: try reader.skipField(key)
            }
        }
    }
}
