/// The little XML that S3 answers with (listings, errors, STS
/// credentials), read by tag name: no namespaces, attributes or nesting of
/// the same tag, which those documents never need.
enum XMLText {
    /// The text of every `<tag>…</tag>` in `text`, entities decoded.
    static func values(_ tag: String, in text: Substring) -> [String] {
        elements(tag, in: text).map { decode($0) }
    }

    /// The first value of `tag`, or nil.
    static func value(_ tag: String, in text: Substring) -> String? {
        elements(tag, in: text).first.map { decode($0) }
    }

    /// The raw content of every `<tag>…</tag>` (also `<tag attr="…">`).
    static func elements(_ tag: String, in text: Substring) -> [Substring] {
        var result: [Substring] = []
        let close = "</\(tag)>"
        var rest = text[...]
        while let open = rest.firstRange(of: "<\(tag)") {
            let afterName = rest[open.upperBound...]
            guard let next = afterName.first else { break }
            if next == "/" {  // <tag/>: empty
                result.append(afterName.prefix(0))
                rest = afterName
                continue
            }
            guard next == ">" || next == " ", let end = afterName.firstIndex(of: ">") else {
                rest = afterName
                continue
            }
            let content = afterName[afterName.index(after: end)...]
            guard let closing = content.firstRange(of: close) else { break }
            result.append(content[..<closing.lowerBound])
            rest = content[closing.upperBound...]
        }
        return result
    }

    /// Replaces the five predefined entities and numeric references.
    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let name = rest[rest.index(after: amp) ..< semi]
            switch name {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number: UInt32? = name.hasPrefix("#x") ? UInt32(name.dropFirst(2), radix: 16)
                    : name.hasPrefix("#") ? UInt32(name.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(name);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
