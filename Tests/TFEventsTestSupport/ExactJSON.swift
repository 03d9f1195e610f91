@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import TFEventsSystem

/// A small JSON parser for the fixtures' expected.json files that keeps every
/// number exact: integers as `Int64` (when they fit), other numbers parsed by
/// `Double(String)`, which rounds correctly. (Foundation's JSONSerialization
/// on Linux can be off in the last bit, which a bit-for-bit test cannot use.)
package enum ExactJSON {
    package enum ParseError: Error { case unexpected(Int) }

    /// Parses a whole document into `[String: Any]`, `[Any]`, `String`,
    /// `Int64`, `Double`, `Bool` or `NSNull`-free `nil` (as `Optional<Any>.none`).
    package static func parse(_ bytes: [UInt8]) throws -> Any? {
        var parser = Parser(bytes: bytes)
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == bytes.count else { throw ParseError.unexpected(parser.index) }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        mutating func value() throws -> Any? {
            skipSpace()
            guard index < bytes.count else { throw ParseError.unexpected(index) }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var object: [String: Any] = [:]
                skipSpace()
                if bytes[index] == UInt8(ascii: "}") { index += 1; return object }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    object[key] = try value() as Any
                    skipSpace()
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    try expect("}")
                    return object
                }
            case UInt8(ascii: "["):
                index += 1
                var array: [Any] = []
                skipSpace()
                if bytes[index] == UInt8(ascii: "]") { index += 1; return array }
                while true {
                    array.append(try value() as Any)
                    skipSpace()
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    try expect("]")
                    return array
                }
            case UInt8(ascii: "\""):
                return try string()
            case UInt8(ascii: "t"): index += 4; return true
            case UInt8(ascii: "f"): index += 5; return false
            case UInt8(ascii: "n"): index += 4; return nil
            default:
                return try number()
            }
        }

        mutating func expect(_ character: Character) throws {
            guard index < bytes.count, bytes[index] == character.asciiValue else { throw ParseError.unexpected(index) }
            index += 1
        }

        mutating func string() throws -> String {
            try expect("\"")
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            while bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") {
                    index += 1
                    let escaped = bytes[index]
                    index += 1
                    scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                    raw.removeAll()
                    switch escaped {
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "u"):
                        let hex = String(decoding: bytes[index ..< index + 4], as: UTF8.self)
                        index += 4
                        if let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) { scalars.append(scalar) }
                    default: scalars.append(Unicode.Scalar(escaped))
                    }
                } else {
                    raw.append(bytes[index])
                    index += 1
                }
            }
            index += 1
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            return String(scalars)
        }

        mutating func number() throws -> Any {
            let start = index
            while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start ..< index], as: UTF8.self)
            if let integer = Int64(text) { return integer }
            guard let double = Double(text) else { throw ParseError.unexpected(start) }
            return double
        }
    }
}
