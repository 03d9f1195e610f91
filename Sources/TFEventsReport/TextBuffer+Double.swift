extension TextBuffer {
    /// Appends a finite double as `Double.description` writes it: the
    /// shortest digits that read back to the same bits (``ShortestDouble``),
    /// in plain decimal (`0.001`, `1.0`, `9007199254740992.0`) from 1e-4 up
    /// to 2^53, otherwise in exponent form (`1e-05`, `1.5e+16`, `5e-324`);
    /// `0.0` and `-0.0` for zeros.
    ///
    /// - Precondition: `value` is finite.
    package mutating func appendDescription(of value: Double) {
        reserve(Self.longestDescription)
        appendReservedDescription(of: value)
    }

    /// Room that ``appendReservedDescription(of:)`` needs: the longest text
    /// is "-", 17 digits, ".", "e-324" (24 bytes); a whole number has at
    /// most 16 digits and ".0", a small one "0.000" and 17 digits.
    package static let longestDescription = 32

    /// ``appendDescription(of:)`` into room made with ``reserve(_:)`` for
    /// at least ``longestDescription`` bytes.
    ///
    /// - Precondition: `value` is finite.
    package mutating func appendReservedDescription(of value: Double) {
        precondition(value.isFinite, "TextBuffer: not a finite double")
        if value.sign == .minus { appendReserved(UInt8(ascii: "-")) }
        let decimal = ShortestDouble(value)
        let significand = decimal.significand
        if significand == 0 {
            appendReservedDigits(0, digitCount: 2, pointAfter: 1)  // "0.0"
            return
        }
        let digits = Self.decimalDigitCount(significand)
        // The power of ten of the first digit.
        let leading = decimal.exponent &+ digits &- 1
        if value.magnitude > 0x1p53 || leading < -4 {
            appendReservedDigits(significand, digitCount: digits, pointAfter: 1)
            appendReserved(UInt8(ascii: "e"))
            appendReserved(leading < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = leading.magnitude
            appendReservedDigits(UInt64(magnitude), digitCount: magnitude >= 100 ? 3 : 2)
        } else if decimal.exponent >= 0 {
            // A whole number of at most 16 digits: the digits, the zeros the
            // exponent stands for, then ".0".
            appendReservedDigits(significand, digitCount: digits)
            if decimal.exponent > 0 { appendReservedDigits(0, digitCount: decimal.exponent) }
            appendReserved(UInt8(ascii: "."))
            appendReserved(UInt8(ascii: "0"))
        } else if leading >= 0 {
            appendReservedDigits(significand, digitCount: digits, pointAfter: leading &+ 1)
        } else {
            // 0.000ddd: "0." and the zeros before the first digit (at most 3).
            appendReserved(UInt8(ascii: "0"))
            appendReserved(UInt8(ascii: "."))
            if leading < -1 { appendReservedDigits(0, digitCount: -leading &- 1) }
            appendReservedDigits(significand, digitCount: digits)
        }
    }
}
