/// Escaping for text put into HTML and SVG: tag names, run names and paths
/// are user data and must never become markup.
package enum HTMLText {
    /// `text` safe inside an element or a double-quoted attribute: `&`, `<`,
    /// `>`, `"` and `'` become entities, and control characters other than
    /// tab and newline (invalid in XML, so fatal to an inline SVG) become
    /// U+FFFD.
    package static func escape(_ text: String) -> String {
        // Fast path: most tags need nothing.
        if !text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 < 0x20 }) {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` as a JSON string literal. With `forScript` (the default) it
    /// is also safe inside an HTML `<script>` element: `<`, `>`, `&` and
    /// U+2028/U+2029 are written as `\u` escapes, so no `</script>` can end
    /// the element early.
    package static func jsonString(_ text: String, forScript: Bool = true) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += unicodeEscape(scalar.value)
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                if forScript { out += unicodeEscape(scalar.value) } else { out.unicodeScalars.append(scalar) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
