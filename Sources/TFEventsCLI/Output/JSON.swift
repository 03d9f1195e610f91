import TFEvents

/// Minimal JSON text building with exact number formatting.
///
/// Doubles are written with Swift's shortest round-trip representation, so
/// they parse back to the same bits; non-finite values become the strings
/// "nan", "inf" and "-inf".
enum JSON {
    /// A JSON string literal of `text`, escaped (the library's escaper,
    /// without the `<script>` extras).
    static func string(_ text: String) -> String {
        HTMLText.jsonString(text, forScript: false)
    }

    /// A JSON number, or a string for non-finite values.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "\"nan\"" }
        if value.isInfinite { return value < 0 ? "\"-inf\"" : "\"inf\"" }
        return value.description
    }

    /// `null` or the integer.
    static func optional(_ value: Int64?) -> String {
        value.map(String.init) ?? "null"
    }

    /// An object from ordered key/value pairs (values already encoded).
    static func object(_ pairs: KeyValuePairs<String, String>) -> String {
        "{" + pairs.map { string($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    }

    /// An object from an ordered array of pairs (values already encoded).
    static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
