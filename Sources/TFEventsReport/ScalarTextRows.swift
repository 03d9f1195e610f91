/// The rows of `tfevents scalars` as bytes: one scalar point per line, a
/// JSON object or a CSV row, appended to a buffer the caller drains.
///
/// Text for millions of points must not cost a `String` per field: paths and
/// tags are encoded once (``field(_:)``) and copied as bytes; a step and a
/// wall time shared by the values of one event are formatted once; doubles
/// are written straight into the buffer by ``ShortestDouble`` (the digits
/// and layout of `Double.description`, without the string).
package struct ScalarTextRows: Sendable {
    /// CSV (RFC 4180, with a header) or JSON lines.
    package enum Format: Sendable {
        /// `path,tag,step,wall_time,value` rows.
        case csv
        /// `{"path":…,"tag":…,"step":…,"wall_time":…,"value":…}` lines.
        case jsonLines

        /// The CSV header line; empty for JSON lines.
        package var header: [UInt8] {
            self == .csv ? Array("path,tag,step,wall_time,value\n".utf8) : []
        }

        /// `text` as a field of this format: a CSV field (quoted when it
        /// holds a comma, a quote or a line break) or a JSON string literal.
        package func field(_ text: String) -> [UInt8] {
            switch self {
            case .csv: return Array(ScalarTextRows.csvField(text).utf8)
            case .jsonLines: return Array(HTMLText.jsonString(text, forScript: false).utf8)
            }
        }
    }

    /// The format.
    package let format: Format
    /// The rows appended and not yet taken.
    private var out: TextBuffer
    /// The text of the last row's step and wall time, from the byte after
    /// the tag's field to the value's first byte, and what it was made from.
    private var middle = TextBuffer(capacity: 128)
    private var cachedStep: Int64 = 0
    private var cachedWallTimeBits: UInt64 = 0
    private var hasCache = false
    /// The starts of rows registered with ``rowPrefix(path:tag:)``.
    private var prefixes = TextBuffer(capacity: 4096)
    private var prefixRanges: [Range<Int>] = []

    /// Rows in `format`, in a buffer that starts with room for `capacity` bytes.
    package init(format: Format, capacity: Int = 1 << 18) {
        self.format = format
        out = TextBuffer(capacity: capacity + 4096)
    }

    /// Bytes of rows made and not yet taken.
    package var count: Int { out.count }

    /// The rows made and not yet taken, copied.
    package var bytes: [UInt8] { out.bytes }

    /// The CSV header line; empty for JSON lines.
    package var header: [UInt8] { format.header }

    /// `text` as a field of this format: a CSV field (quoted when it holds a
    /// comma, a quote or a line break) or a JSON string literal.
    package func field(_ text: String) -> [UInt8] { format.field(text) }

    /// An RFC 4180 field.
    package static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var quoted = "\""
        for character in text {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }

    /// Registers the start of every row of the file `path` and tag `tag`
    /// (both from ``field(_:)``): the id to pass to
    /// ``append(prefix:step:wallTime:value:)``, which copies it as one block.
    package mutating func rowPrefix(path: [UInt8], tag: [UInt8]) -> Int {
        let start = prefixes.count
        Self.writePrefix(format, path: path, tag: tag, into: &prefixes)
        prefixRanges.append(start ..< prefixes.count)
        return prefixRanges.count - 1
    }

    /// Forgets the rows made and not taken, keeping the room.
    package mutating func removeAll() {
        out.removeAll()
    }

    /// Forgets the registered row starts (the next file's rows start anew).
    package mutating func forgetRowPrefixes() {
        prefixes.removeAll()
        prefixRanges.removeAll(keepingCapacity: true)
    }

    /// Appends one point of a row start registered with
    /// ``rowPrefix(path:tag:)``; returns the bytes now buffered (``count``,
    /// which a caller in another module would otherwise read by copying
    /// the rows).
    @discardableResult
    package mutating func append(prefix id: Int, step: Int64, wallTime: Double, value: Double) -> Int {
        if !hasCache || step != cachedStep || wallTime.bitPattern != cachedWallTimeBits {
            formatMiddle(step: step, wallTime: wallTime)
        }
        appendTail(value, after: prefixRanges[id])
        return out.count
    }

    /// Appends one point; `path` and `tag` come from ``field(_:)``.
    package mutating func append(path: [UInt8], tag: [UInt8], step: Int64, wallTime: Double, value: Double) {
        if !hasCache || step != cachedStep || wallTime.bitPattern != cachedWallTimeBits {
            formatMiddle(step: step, wallTime: wallTime)
        }
        Self.writePrefix(format, path: path, tag: tag, into: &out)
        appendTail(value, after: nil)
    }

    /// A row up to its step: `path,tag` or `{"path":…,"tag":…`.
    private static func writePrefix(_ format: Format, path: [UInt8], tag: [UInt8], into buffer: inout TextBuffer) {
        switch format {
        case .csv:
            buffer.append(path)
            buffer.append(UInt8(ascii: ","))
            buffer.append(tag)
        case .jsonLines:
            buffer.append(jsonPathKey)
            buffer.append(path)
            buffer.append(jsonTagKey)
            buffer.append(tag)
        }
    }

    /// The registered row start `prefix` (nil: already written), the step
    /// and wall time, the value and the row's end; a row with a finite
    /// value after one check of room and ownership.
    @inline(__always)
    private mutating func appendTail(_ value: Double, after prefix: Range<Int>?) {
        let json = format == .jsonLines
        guard value.isFinite else {
            if let prefix { out.append(prefixes, range: prefix) }
            out.append(middle)
            appendNumber(value, quotedWhenNotFinite: json)
            out.append(json ? Self.jsonEnd : Self.csvEnd)
            return
        }
        out.reserve((prefix?.count ?? 0) &+ middle.count &+ TextBuffer.longestDescription &+ 2)
        if let prefix { out.appendReserved(prefixes, range: prefix) }
        out.appendReserved(middle, range: 0 ..< middle.count)
        out.appendReservedDescription(of: value)
        if json { out.appendReserved(UInt8(ascii: "}")) }
        out.appendReserved(UInt8(ascii: "\n"))
    }

    /// Hands the rows to `body` (valid only during the call) and empties
    /// the buffer, keeping its room.
    package mutating func drain(_ body: (UnsafeRawBufferPointer) -> Void) {
        unsafe out.withUnsafeBytes(body)
        out.removeAll()
    }

    private static let jsonPathKey = Array("{\"path\":".utf8)
    private static let jsonTagKey = Array(",\"tag\":".utf8)
    private static let jsonStepKey = Array(",\"step\":".utf8)
    private static let jsonWallTimeKey = Array(",\"wall_time\":".utf8)
    private static let jsonValueKey = Array(",\"value\":".utf8)
    private static let jsonEnd = Array("}\n".utf8), csvEnd = Array("\n".utf8)

    /// `,step,wall_time,` (CSV) or `,"step":…,"wall_time":…,"value":` (JSON).
    private mutating func formatMiddle(step: Int64, wallTime: Double) {
        swap(&out, &middle)
        out.removeAll()
        switch format {
        case .csv:
            out.append(UInt8(ascii: ","))
            out.appendDecimal(step.magnitude, negative: step < 0)
            out.append(UInt8(ascii: ","))
            if !appendWholeMicroseconds(wallTime) { appendNumber(wallTime, quotedWhenNotFinite: false) }
            out.append(UInt8(ascii: ","))
        case .jsonLines:
            out.append(Self.jsonStepKey)
            out.appendDecimal(step.magnitude, negative: step < 0)
            out.append(Self.jsonWallTimeKey)
            if !appendWholeMicroseconds(wallTime) { appendNumber(wallTime, quotedWhenNotFinite: true) }
            out.append(Self.jsonValueKey)
        }
        swap(&out, &middle)
        cachedStep = step
        cachedWallTimeBits = wallTime.bitPattern
        hasCache = true
    }

    /// Writes `time` when it is a whole number of microseconds divided by
    /// 1e6 (as TensorFlow's C++ writer, TF2 and Keras make wall times) and
    /// lies in [1, 2^33): its seconds, a point, and its microseconds without
    /// trailing zeros (at least one digit), which is what `Double.description`
    /// writes for it. Below 2^33 a double's spacing is under 1e-6, so the
    /// decimal of the microseconds is the only one of at most six decimals
    /// that reads back to the same double, and no shorter one does; that
    /// division is checked bit for bit. Returns false, having written
    /// nothing, for any other time. About a fifth of the numbers of a CSV of
    /// an evaluation log are its wall times.
    private mutating func appendWholeMicroseconds(_ time: Double) -> Bool {
        guard time >= 1, time < 8_589_934_592 else { return false }
        let micros = UInt64(time * 1e6 + 0.5)
        guard Double(micros) / 1e6 == time else { return false }
        // The six digits of the microseconds less their trailing zeros
        // (one "0" when all are), after the seconds and a point: one run of
        // at most 16 digits (seconds < 2^33 have at most 10).
        let seconds = micros / 1_000_000
        var fraction = micros % 1_000_000, digits = 6
        while fraction % 10 == 0 && digits > 1 {
            fraction /= 10
            digits -= 1
        }
        // The seconds and the fraction written apart: one run with the
        // point moved in afterwards shifted every digit of the seconds.
        let secondDigits = TextBuffer.decimalDigitCount(seconds)
        out.reserve(secondDigits &+ 1 &+ digits)
        out.appendReservedDigits(seconds, digitCount: secondDigits)
        out.appendReserved(UInt8(ascii: "."))
        out.appendReservedDigits(fraction, digitCount: digits)
        return true
    }

    private static let nan = Array("nan".utf8), infinity = Array("inf".utf8), minusInfinity = Array("-inf".utf8)

    /// A finite double as `Double.description` writes it (shortest digits
    /// that read back to the same bits); NaN and infinities as `nan`,
    /// `inf`, `-inf`, in quotes for JSON.
    @inline(__always)
    private mutating func appendNumber(_ value: Double, quotedWhenNotFinite: Bool) {
        if value.isFinite {
            out.appendDescription(of: value)
            return
        }
        if quotedWhenNotFinite { out.append(UInt8(ascii: "\"")) }
        out.append(value.isNaN ? Self.nan : (value < 0 ? Self.minusInfinity : Self.infinity))
        if quotedWhenNotFinite { out.append(UInt8(ascii: "\"")) }
    }

}
