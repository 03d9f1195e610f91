import Testing
@testable import TFEventsReport
import TFEventsSynthetic

/// The scalar text's own double formatter against the standard library's
/// `Double.description`, and its digits against the round trip they promise.
@Suite("Shortest double text")
struct ShortestDoubleTests {
    static func text(_ value: Double) -> String {
        var buffer = TextBuffer(capacity: 8)
        buffer.appendDescription(of: value)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    /// Values at the edges of every branch: each binary exponent (normal and
    /// subnormal), each power of ten and the doubles either side of it, the
    /// switches between plain and exponent form (1e-4, 2^53), the extremes.
    static var edges: [Double] {
        var values: [Double] = [0, 1, 0.1, 0.3, 1e-4, 1e-5, 1e15, 1e16, 1e22, 1e23, 0x1p53, 0x1p54, 123_456.789,
                                .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                Double(Float.greatestFiniteMagnitude), Double(Float.leastNonzeroMagnitude)]
        for exponent in -1074 ... 1023 { values.append(Double(sign: .plus, exponent: exponent, significand: 1)) }
        var up = 1.0, down = 1.0
        for _ in 0 ..< 330 {
            values += [up, up.nextUp, up.nextDown, down, down.nextUp, down.nextDown]
            up *= 10
            down /= 10
        }
        values += [0x1p53.nextUp, 0x1p53.nextDown, 1e-4.nextUp, 1e-4.nextDown, 1e16.nextDown]
        return values.filter(\.isFinite).flatMap { [$0, -$0] }
    }

    @Test("edge values print as Double.description")
    func edgeValues() {
        var mismatches: [String] = []
        for value in Self.edges where Self.text(value) != value.description {
            mismatches.append("\(value.bitPattern): \(Self.text(value)) != \(value.description)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(Self.text(-0.0) == "-0.0" && Self.text(0) == "0.0" && Self.text(5e-324) == "5e-324")
        #expect(Self.text(1e16) == "1e+16" && Self.text(0x1p53) == "9007199254740992.0" && Self.text(1e-5) == "1e-05")
    }

    /// Random doubles of five kinds: any bit pattern, float32 values widened
    /// (what summaries hold), subnormals, decimals of 1 to 17 digits (whose
    /// interval ends or value are exact decimals: the rare branch), integers.
    static func randomValues(count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(count)
        for index in 0 ..< count {
            let bits = rng.next()
            switch index % 5 {
            case 0: values.append(Double(bitPattern: bits))
            case 1: values.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
            case 2: values.append(Double(bitPattern: bits & 0x800F_FFFF_FFFF_FFFF))
            case 3:
                let digits = Int(bits % 17) + 1
                let bound = (0 ..< digits).reduce(UInt64(1)) { product, _ in product * 10 }
                values.append(Double("\(rng.next() % bound)e\(Int(rng.next() % 640) - 330)")!)
            default: values.append(Double(Int64(bitPattern: bits) >> Int64(bits % 63)))
            }
        }
        return values.filter(\.isFinite)
    }

    @Test("300,000 random doubles of five kinds print as Double.description")
    func randomDoubles() {
        var buffer = TextBuffer(capacity: 1 << 16)
        var expected: [UInt8] = []
        var mismatches: [UInt64] = []
        for value in Self.randomValues(count: 300_000, seed: 28) {
            buffer.removeAll()
            buffer.appendDescription(of: value)
            expected.removeAll(keepingCapacity: true)
            expected.append(contentsOf: value.description.utf8)
            if buffer.bytes != expected, mismatches.count < 5 { mismatches.append(value.bitPattern) }
        }
        #expect(mismatches.isEmpty, "bit patterns printed differently: \(mismatches)")
    }

    @Test("the digits read back to the same double, and one digit fewer never does")
    func roundTripAndShortest() {
        var failures: [UInt64] = []
        for value in Self.randomValues(count: 40_000, seed: 7) + Self.edges where value != 0 {
            let decimal = ShortestDouble(value.magnitude)
            let significand = decimal.significand, exponent = decimal.exponent
            let readsBack = Double("\(significand)e\(exponent)") == value.magnitude
            let noTrailingZero = significand % 10 != 0
            // The two decimals of one digit fewer around it.
            let shorter = [significand / 10, significand / 10 + 1].filter { $0 != 0 }
            let noShorter = significand < 10 || shorter.allSatisfy { Double("\($0)e\(exponent + 1)") != value.magnitude }
            if !(readsBack && noTrailingZero && noShorter), failures.count < 5 { failures.append(value.bitPattern) }
        }
        #expect(failures.isEmpty, "bit patterns: \(failures)")
        let zero = ShortestDouble(0)
        #expect(zero.significand == 0 && zero.exponent == 0)
    }

    @Test("digit runs with and without a point, decimals with minimum digits, digit counts")
    func digitsAndDecimals() {
        // Each run lands after 60 bytes of a 64-byte buffer (the smallest
        // there is), so appending it makes the buffer grow.
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 60)
        for digits in 1 ... 20 {
            let value = UInt64.max
            let text = String(String(value).suffix(digits))
            for point in 0 ... digits {
                var buffer = TextBuffer(capacity: 1)
                buffer.append(filler)
                buffer.appendDigits(value, digitCount: digits, pointAfter: point)
                var expected = text
                if point > 0 && point < digits { expected.insert(".", at: expected.index(expected.startIndex, offsetBy: point)) }
                #expect(String(decoding: buffer.bytes, as: UTF8.self) == String(repeating: "x", count: 60) + expected,
                        "\(digits) digits, point after \(point)")
            }
        }
        var buffer = TextBuffer(capacity: 4)
        buffer.appendDigits(42, digitCount: 5, pointAfter: 2)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == "00.042")

        let integers: [Int64] = [0, 1, -1, 9, 10, 99, 100, 127, 128, 1_000_000_007, -42, .max, .min]
        for integer in integers {
            var text = TextBuffer(capacity: 1)
            text.append(filler)
            text.appendDecimal(integer.magnitude, negative: integer < 0)
            #expect(String(decoding: text.bytes, as: UTF8.self) == String(repeating: "x", count: 60) + integer.description)
        }
        // A description at the end of a full buffer grows it too.
        for value in [-1.2345678901234567e-300, 5e-324, -0.0, 0x1p53, 1e16] {
            var text = TextBuffer(capacity: 1)
            text.append(filler)
            text.appendDescription(of: value)
            #expect(String(decoding: text.bytes, as: UTF8.self) == String(repeating: "x", count: 60) + value.description)
        }
        var padded = TextBuffer(capacity: 2)
        padded.appendDigits(5, digitCount: 6, pointAfter: 0)
        padded.appendDecimal(UInt64.max, negative: false)
        #expect(String(decoding: padded.bytes, as: UTF8.self) == "000005" + UInt64.max.description)

        #expect(TextBuffer.decimalDigitCount(0) == 1)
        var power: UInt64 = 1
        for digits in 1 ... 20 {
            #expect(TextBuffer.decimalDigitCount(power) == digits)
            if digits > 1 { #expect(TextBuffer.decimalDigitCount(power - 1) == digits - 1) }
            if digits < 20 { power *= 10 }
        }
        #expect(TextBuffer.decimalDigitCount(.max) == 20)
    }
}
