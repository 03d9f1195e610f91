import TFEvents

/// One value of a command's output, rendered the same way by every format.
///
/// Doubles are written with Swift's shortest round-trip representation, so
/// they parse back to the same bits; non-finite values become the strings
/// "nan", "inf" and "-inf" (JSON has no literal for them).
enum OutputValue {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null
    case list([OutputValue])
    case record(OutputRecord)

    /// An integer.
    static func int(_ value: Int) -> OutputValue { .integer(Int64(value)) }

    /// A string, or null.
    static func optional(_ value: String?) -> OutputValue { value.map(OutputValue.string) ?? .null }

    /// An integer, or null.
    static func optional(_ value: Int64?) -> OutputValue { value.map(OutputValue.integer) ?? .null }

    /// The JSON text of the value.
    var json: String {
        switch self {
        case .string(let text): return OutputText.jsonString(text)
        case .integer(let value): return String(value)
        case .number(let value): return OutputText.jsonNumber(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .list(let values): return "[" + values.map(\.json).joined(separator: ",") + "]"
        case .record(let record): return record.json
        }
    }

    /// The CSV field of the value (lists and records as their JSON text).
    var csv: String {
        switch self {
        case .string(let text): return OutputText.csvField(text)
        case .integer(let value): return String(value)
        case .number(let value): return OutputText.plain(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return ""
        case .list, .record: return OutputText.csvField(json)
        }
    }
}

/// Named values in a fixed order: one object of JSON, one row of CSV.
struct OutputRecord {
    /// One named value.
    struct Field {
        var name: String
        var value: OutputValue
    }

    /// The fields, in output order.
    var fields: [Field]

    init(_ fields: [(String, OutputValue)]) {
        self.fields = fields.map { Field(name: $0.0, value: $0.1) }
    }

    /// `{"name":value,...}`.
    var json: String {
        "{" + fields.map { OutputText.jsonString($0.name) + ":" + $0.value.json }.joined(separator: ",") + "}"
    }
}

/// The escaping and number rules of the text formats.
enum OutputText {
    /// `text` for a terminal: line breaks kept, every other control
    /// character and every raw file-name byte as `\xNN` (see ``PathBytes``).
    static func terminal(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { PathBytes.displayText(String($0)) }.joined(separator: "\n")
    }

    /// A JSON string literal of `text`, escaped (the library's escaper,
    /// without the `<script>` extras).
    static func jsonString(_ text: String) -> String {
        HTMLText.jsonString(text, forScript: false)
    }

    /// A JSON number, or a string for non-finite values.
    static func jsonNumber(_ value: Double) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value < 0 ? "\"-inf\"" : "\"inf\"" }
        return value.description
    }

    /// A number for people and CSV: shortest round-trip digits, `nan`,
    /// `inf`, `-inf`.
    static func plain(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }

    /// An RFC 4180 field: quoted when it holds a comma, quote or line break
    /// (the encoder of the scalar rows, so every CSV of the tool agrees).
    static func csvField(_ text: String) -> String {
        ScalarTextRows.csvField(text)
    }
}
