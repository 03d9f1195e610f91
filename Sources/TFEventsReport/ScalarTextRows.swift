/// The rows of `tfevents scalars` as bytes: one scalar point per line, a
/// JSON object or a CSV row, appended to a buffer the caller drains.
///
/// Text for millions of points must not cost a `String` per field: paths and
/// tags are encoded once (``field(_:)``) and copied as bytes; a step and a
/// wall time shared by the values of one event are formatted once; doubles
/// are written by the standard library's shortest round-trip formatter
/// straight into the buffer (the digits of `Double.description`, without
/// the string).
package struct ScalarTextRows: TextOutputStream {
    /// CSV (RFC 4180, with a header) or JSON lines.
    package enum Format: Sendable {
        /// `path,tag,step,wall_time,value` rows.
        case csv
        /// `{"path":…,"tag":…,"step":…,"wall_time":…,"value":…}` lines.
        case jsonLines
    }

    /// The format.
    package let format: Format
    /// The rows appended and not yet taken.
    package private(set) var bytes: [UInt8] = []

    /// The step and wall time of the last row, and their text from the
    /// byte after the tag's field to the value's first byte.
    private var cachedStep: Int64 = 0
    private var cachedWallTimeBits: UInt64 = 0
    private var cachedMiddle: [UInt8] = []
    private var hasCache = false

    /// Rows in `format`, in a buffer that starts with room for `capacity` bytes.
    package init(format: Format, capacity: Int = 1 << 18) {
        self.format = format
        bytes.reserveCapacity(capacity + 4096)
        cachedMiddle.reserveCapacity(64)
    }

    /// The CSV header line; empty for JSON lines.
    package var header: [UInt8] {
        format == .csv ? Array("path,tag,step,wall_time,value\n".utf8) : []
    }

    /// `text` as a field of this format: a CSV field (quoted when it holds a
    /// comma, a quote or a line break) or a JSON string literal.
    package func field(_ text: String) -> [UInt8] {
        switch format {
        case .csv: return Array(Self.csvField(text).utf8)
        case .jsonLines: return Array(HTMLText.jsonString(text, forScript: false).utf8)
        }
    }

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

    /// Appends one point; `path` and `tag` come from ``field(_:)``.
    package mutating func append(path: [UInt8], tag: [UInt8], step: Int64, wallTime: Double, value: Double) {
        if !hasCache || step != cachedStep || wallTime.bitPattern != cachedWallTimeBits {
            formatMiddle(step: step, wallTime: wallTime)
        }
        switch format {
        case .csv:
            bytes.append(contentsOf: path)
            bytes.append(UInt8(ascii: ","))
            bytes.append(contentsOf: tag)
            bytes.append(contentsOf: cachedMiddle)
            appendNumber(value, quotedWhenNotFinite: false)
            bytes.append(UInt8(ascii: "\n"))
        case .jsonLines:
            bytes.append(contentsOf: Self.jsonPathKey)
            bytes.append(contentsOf: path)
            bytes.append(contentsOf: Self.jsonTagKey)
            bytes.append(contentsOf: tag)
            bytes.append(contentsOf: cachedMiddle)
            appendNumber(value, quotedWhenNotFinite: true)
            bytes.append(contentsOf: Self.jsonEnd)
        }
    }

    /// Takes the rows made so far and goes on writing into `buffer`
    /// (emptied, its room kept): buffers travel between threads and are
    /// reused instead of allocated (fresh memory is slow to first touch).
    package mutating func exchangeBuffer(_ buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        swap(&bytes, &buffer)
    }

    /// Hands the rows to `body` and empties the buffer (keeping its room).
    package mutating func drain(_ body: ([UInt8]) -> Void) {
        body(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    private static let jsonPathKey = Array("{\"path\":".utf8)
    private static let jsonTagKey = Array(",\"tag\":".utf8)
    private static let jsonStepKey = Array(",\"step\":".utf8)
    private static let jsonWallTimeKey = Array(",\"wall_time\":".utf8)
    private static let jsonValueKey = Array(",\"value\":".utf8)
    private static let jsonEnd = Array("}\n".utf8)

    /// `,step,wall_time,` (CSV) or `,"step":…,"wall_time":…,"value":` (JSON).
    private mutating func formatMiddle(step: Int64, wallTime: Double) {
        swap(&bytes, &cachedMiddle)
        bytes.removeAll(keepingCapacity: true)
        switch format {
        case .csv:
            bytes.append(UInt8(ascii: ","))
            appendInteger(step)
            bytes.append(UInt8(ascii: ","))
            appendNumber(wallTime, quotedWhenNotFinite: false)
            bytes.append(UInt8(ascii: ","))
        case .jsonLines:
            bytes.append(contentsOf: Self.jsonStepKey)
            appendInteger(step)
            bytes.append(contentsOf: Self.jsonWallTimeKey)
            appendNumber(wallTime, quotedWhenNotFinite: true)
            bytes.append(contentsOf: Self.jsonValueKey)
        }
        swap(&bytes, &cachedMiddle)
        cachedStep = step
        cachedWallTimeBits = wallTime.bitPattern
        hasCache = true
    }

    /// Decimal digits of `value`, as `Int64.description` writes them.
    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude != 0
        bytes[start...].reverse()
    }

    /// A finite double as `Double.description` writes it (shortest digits
    /// that read back to the same bits); NaN and infinities as `nan`,
    /// `inf`, `-inf`, in quotes for JSON.
    private mutating func appendNumber(_ value: Double, quotedWhenNotFinite: Bool) {
        if value.isFinite {
            value.write(to: &self)  // arrives in _writeASCII, no String made
            return
        }
        let word = value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")
        if quotedWhenNotFinite { bytes.append(UInt8(ascii: "\"")) }
        bytes.append(contentsOf: word.utf8)
        if quotedWhenNotFinite { bytes.append(UInt8(ascii: "\"")) }
    }

    /// `TextOutputStream`: where `Double.write(to:)` puts its digits.
    package mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        unsafe bytes.append(contentsOf: buffer)
    }

    /// `TextOutputStream`: any other text (not used by doubles).
    package mutating func write(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }
}
