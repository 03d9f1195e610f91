/// Protocol buffer text format, the small part of it this package needs:
/// reading the `checkpoint` file (``CheckpointState``) and writing and
/// reading export manifests (``ExportManifest``).
///
/// Syntax handled (as protobuf's `TextFormat` writes it, and more): fields
/// `name: value`, messages `name { ... }` or `name < ... >` (the colon is
/// optional before a message), `#` comments to the end of the line,
/// optional `,` or `;` after a field, strings in double or single quotes
/// with C escapes (`\n`, `\t`, `\"`, `\'`, `\\`, octal `\NNN`, hex `\xNN`)
/// and adjacent string literals concatenated, numbers in any form
/// `Double(_:)` reads plus `inf`, `-inf`, `nan` (any case), identifiers
/// (enum values, `true`, `false`).
enum TextFormat {
    /// Deepest message nesting accepted (`a { b { ... } }`): 64. The files
    /// read here nest one level at most; the limit keeps a damaged or
    /// hostile file from exhausting the stack of the recursive parser.
    static let maxNestingDepth = 64

    /// One lexical token, with the line it starts on (1-based).
    struct Token: Equatable {
        enum Kind: Equatable {
            case identifier(String)
            case string([UInt8])
            case number(String)
            case symbol(UInt8)
        }
        var kind: Kind
        var line: Int
    }

    /// A syntax error: line and what was wrong.
    struct SyntaxError: Error {
        var line: Int
        var reason: String

        /// `reason` is cut to ``TextFormat/excerptLength`` characters: it may
        /// quote a field name, and a hostile file's names are megabytes.
        init(line: Int, reason: String) {
            self.line = line
            self.reason = TextFormat.excerpt(reason)
        }
    }

    /// The longest quote of file content in a message.
    static let excerptLength = 160

    /// `text`, or its first ``excerptLength`` characters and how much was left out.
    static func excerpt(_ text: String) -> String {
        guard text.utf8.count > excerptLength else { return text }
        return String(text.prefix(excerptLength)) + "… (\(text.utf8.count) bytes)"
    }

    /// Splits `bytes` into tokens.
    static func tokenize(_ bytes: [UInt8]) throws(SyntaxError) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        var line = 1
        let count = bytes.count
        func isIdentifierByte(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
                || b == 0x2E || b == 0x2F  // '.' and '/' for extension and Any type names
        }
        while i < count {
            let b = bytes[i]
            switch b {
            case 0x0A:
                line += 1
                i += 1
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C:
                i += 1
            case UInt8(ascii: "#"):
                while i < count && bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let startLine = line
                var value: [UInt8] = []
                // Adjacent literals concatenate: "a" 'b' == "ab".
                repeat {
                    let quote = bytes[i]
                    i += 1
                    while true {
                        guard i < count else { throw SyntaxError(line: startLine, reason: "unterminated string") }
                        let c = bytes[i]
                        if c == quote { i += 1; break }
                        if c == 0x0A { throw SyntaxError(line: line, reason: "newline inside a string") }
                        if c != UInt8(ascii: "\\") {
                            value.append(c)
                            i += 1
                            continue
                        }
                        i += 1
                        guard i < count else { throw SyntaxError(line: line, reason: "unterminated escape") }
                        let e = bytes[i]
                        i += 1
                        switch e {
                        case UInt8(ascii: "n"): value.append(0x0A)
                        case UInt8(ascii: "t"): value.append(0x09)
                        case UInt8(ascii: "r"): value.append(0x0D)
                        case UInt8(ascii: "a"): value.append(0x07)
                        case UInt8(ascii: "b"): value.append(0x08)
                        case UInt8(ascii: "f"): value.append(0x0C)
                        case UInt8(ascii: "v"): value.append(0x0B)
                        case UInt8(ascii: "?"): value.append(UInt8(ascii: "?"))
                        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): value.append(e)
                        case UInt8(ascii: "0") ... UInt8(ascii: "7"):
                            var code = UInt32(e - 0x30)
                            var digits = 1
                            while digits < 3, i < count, bytes[i] >= 0x30, bytes[i] <= 0x37 {
                                code = code * 8 + UInt32(bytes[i] - 0x30)
                                i += 1
                                digits += 1
                            }
                            guard code <= 0xFF else { throw SyntaxError(line: line, reason: "octal escape above \\377") }
                            value.append(UInt8(code))
                        case UInt8(ascii: "x"):
                            var code: UInt32 = 0
                            var digits = 0
                            while digits < 2, i < count, let digit = hexValue(bytes[i]) {
                                code = code * 16 + UInt32(digit)
                                i += 1
                                digits += 1
                            }
                            guard digits > 0 else { throw SyntaxError(line: line, reason: "\\x without hex digits") }
                            value.append(UInt8(code))
                        default:
                            throw SyntaxError(line: line, reason: "unknown escape \\\(Character(Unicode.Scalar(e)))")
                        }
                    }
                    // Skip blanks to see whether another literal follows.
                    var j = i
                    var extraLines = 0
                    while j < count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[j]) {
                        if bytes[j] == 0x0A { extraLines += 1 }
                        j += 1
                    }
                    if j < count, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") {
                        i = j
                        line += extraLines
                    } else {
                        break
                    }
                } while true
                tokens.append(Token(kind: .string(value), line: startLine))
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
                let start = i
                i += 1
                while i < count, isIdentifierByte(bytes[i]) || bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                    // An exponent sign belongs to the number; any other sign starts a new token.
                    if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                        let previous = bytes[i - 1] | 0x20
                        guard previous == UInt8(ascii: "e") else { break }
                    }
                    i += 1
                }
                tokens.append(Token(kind: .number(String(decoding: bytes[start ..< i], as: UTF8.self)), line: line))
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ":"),
                 UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "["), UInt8(ascii: "]"):
                tokens.append(Token(kind: .symbol(b), line: line))
                i += 1
            default:
                guard isIdentifierByte(b) else {
                    throw SyntaxError(line: line, reason: "unexpected character 0x\(String(b, radix: 16))")
                }
                let start = i
                while i < count, isIdentifierByte(bytes[i]) { i += 1 }
                tokens.append(Token(kind: .identifier(String(decoding: bytes[start ..< i], as: UTF8.self)), line: line))
            }
        }
        return tokens
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30 ... 0x39: return b - 0x30
        case 0x61 ... 0x66: return b - 0x61 + 10
        case 0x41 ... 0x46: return b - 0x41 + 10
        default: return nil
        }
    }

    /// A field of a message: its name and value.
    enum Value {
        case scalar(Token)
        case message([Field])
    }

    /// One `name: value` or `name { ... }`.
    struct Field {
        var name: String
        var value: Value
        var line: Int
    }

    /// Parses a whole message (the file's top level).
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> [Field] {
        let tokens = try tokenize(bytes)
        var position = 0
        let fields = try parseFields(tokens, &position, closing: nil, depth: 0)
        return fields
    }

    private static func parseFields(_ tokens: [Token], _ position: inout Int, closing: UInt8?,
                                    depth: Int) throws(SyntaxError) -> [Field] {
        guard depth <= maxNestingDepth else {
            throw SyntaxError(line: position < tokens.count ? tokens[position].line : tokens.last?.line ?? 1,
                              reason: "messages nested deeper than \(maxNestingDepth) levels")
        }
        var fields: [Field] = []
        while position < tokens.count {
            let token = tokens[position]
            if case .symbol(let symbol) = token.kind, symbol == closing {
                position += 1
                return fields
            }
            guard case .identifier(let name) = token.kind else {
                throw SyntaxError(line: token.line, reason: "expected a field name")
            }
            position += 1
            var sawColon = false
            if position < tokens.count, tokens[position].kind == .symbol(UInt8(ascii: ":")) {
                sawColon = true
                position += 1
            }
            guard position < tokens.count else { throw SyntaxError(line: token.line, reason: "field \(name) has no value") }
            let next = tokens[position]
            switch next.kind {
            case .symbol(UInt8(ascii: "{")), .symbol(UInt8(ascii: "<")):
                position += 1
                let close: UInt8 = next.kind == .symbol(UInt8(ascii: "{")) ? UInt8(ascii: "}") : UInt8(ascii: ">")
                let body = try parseFields(tokens, &position, closing: close, depth: depth + 1)
                fields.append(Field(name: name, value: .message(body), line: token.line))
            case .symbol(UInt8(ascii: "[")):
                // A list of scalars: name: [a, b, c]
                position += 1
                while position < tokens.count, tokens[position].kind != .symbol(UInt8(ascii: "]")) {
                    let element = tokens[position]
                    if element.kind == .symbol(UInt8(ascii: ",")) { position += 1; continue }
                    guard case .symbol = element.kind else {
                        fields.append(Field(name: name, value: .scalar(element), line: element.line))
                        position += 1
                        continue
                    }
                    throw SyntaxError(line: element.line, reason: "unexpected symbol in a list")
                }
                guard position < tokens.count else { throw SyntaxError(line: next.line, reason: "unterminated list") }
                position += 1
            case .symbol:
                throw SyntaxError(line: next.line, reason: "field \(name) has no value")
            default:
                guard sawColon else { throw SyntaxError(line: next.line, reason: "expected ':' after \(name)") }
                fields.append(Field(name: name, value: .scalar(next), line: next.line))
                position += 1
            }
            if position < tokens.count,
               tokens[position].kind == .symbol(UInt8(ascii: ",")) || tokens[position].kind == .symbol(UInt8(ascii: ";")) {
                position += 1
            }
        }
        if closing != nil { throw SyntaxError(line: tokens.last?.line ?? 1, reason: "unterminated message") }
        return fields
    }

    // MARK: - Scalar values

    /// The string value of a field, or nil when it is not a string.
    static func string(_ token: Token) -> String? {
        if case .string(let bytes) = token.kind { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// A floating-point value: a number, `inf`, `-inf`, `infinity`, `nan`
    /// (any case), an `f` suffix allowed.
    static func double(_ token: Token) -> Double? {
        var text: String
        switch token.kind {
        case .number(let number): text = number
        case .identifier(let identifier): text = identifier
        default: return nil
        }
        let lower = text.lowercased()
        switch lower {
        case "inf", "infinity", "+inf", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        if lower.hasSuffix("f"), !lower.hasPrefix("0x") { text.removeLast() }
        if let integer = Int64(text) { return Double(integer) }
        return Double(text)
    }

    /// An integer value (decimal, or `0x` hex).
    static func integer(_ token: Token) -> Int64? {
        guard case .number(let text) = token.kind else { return nil }
        if let value = Int64(text) { return value }
        var digits = Substring(text)
        let negative = digits.hasPrefix("-")
        if negative || digits.hasPrefix("+") { digits = digits.dropFirst() }
        if digits.hasPrefix("0x") || digits.hasPrefix("0X"), let value = Int64(digits.dropFirst(2), radix: 16) {
            return negative ? -value : value
        }
        return nil
    }

    /// A boolean value: `true`, `false`, `t`, `f`, `1`, `0`.
    static func bool(_ token: Token) -> Bool? {
        switch token.kind {
        case .identifier("true"), .identifier("True"), .identifier("t"), .number("1"): return true
        case .identifier("false"), .identifier("False"), .identifier("f"), .number("0"): return false
        default: return nil
        }
    }

    // MARK: - Writing

    /// A double-quoted string literal: `"`, `\` and control characters
    /// escaped, valid UTF-8 kept as is, invalid bytes as octal escapes.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let octal = String(scalar.value, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A double as protobuf's text format reads it back exactly: the
    /// shortest round-trip digits, `inf`, `-inf` or `nan`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }
}
