@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import TFEventsSystem

/// Bytes from hex text as docs/FORMAT.md prints it: pairs of hex digits, any
/// whitespace between them, `//` comments to the end of a line ignored.
package func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let code = line.range(of: "//").map { line[..<$0.lowerBound] } ?? line[...]
        var high: UInt8?
        for character in code where !character.isWhitespace {
            guard let digit = character.hexDigitValue else {
                preconditionFailure("not a hex digit: \(character)")
            }
            if let h = high {
                bytes.append(h << 4 | UInt8(digit))
                high = nil
            } else {
                high = UInt8(digit)
            }
        }
        precondition(high == nil, "odd number of hex digits in line: \(line)")
    }
    return bytes
}

/// Bytes as lowercase hex pairs without separators, for readable failures.
package func hexString(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef")
    var text = ""
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return text
}

/// `value` as 8 little-endian bytes.
package func littleEndianBytes(_ value: UInt64) -> [UInt8] {
    (0 ..< 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// `value` as 4 little-endian bytes.
package func littleEndianBytes(_ value: UInt32) -> [UInt8] {
    (0 ..< 4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
