import Foundation
import Testing
@testable import TFEventsReport
import TFEventsTestSupport
import TFEventsSynthetic

/// The byte-level rows of `tfevents scalars` are exactly the text the
/// String-based rows made: `Double.description` digits, `Int64.description`,
/// fields encoded once.
@Suite("Scalar text rows")
struct ScalarTextRowsTests {
    /// The rows as the command wrote them with strings.
    static func expected(_ format: ScalarTextRows.Format, path: String, tag: String, step: Int64,
                         wallTime: Double, value: Double) -> String {
        func plain(_ v: Double) -> String { v.isNaN ? "nan" : v.isInfinite ? (v < 0 ? "-inf" : "inf") : v.description }
        func json(_ v: Double) -> String { v.isFinite ? v.description : "\"" + plain(v) + "\"" }
        switch format {
        case .csv:
            return "\(ScalarTextRows.csvField(path)),\(ScalarTextRows.csvField(tag)),\(step),\(plain(wallTime)),\(plain(value))\n"
        case .jsonLines:
            return "{\"path\":\(HTMLText.jsonString(path, forScript: false)),\"tag\":\(HTMLText.jsonString(tag, forScript: false)),\"step\":\(step),\"wall_time\":\(json(wallTime)),\"value\":\(json(value))}\n"
        }
    }

    static let specials: [Double] = [0, -0.0, 1, -1, 0.1, 1e-4, 1e-5, 1e15, 1e16, 9007199254740992, 9007199254740993,
                                     1e22, 1e23, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                     -.greatestFiniteMagnitude, .nan, -.nan, .infinity, -.infinity, 1_700_000_000.123456,
                                     Double(Float(0.001)), Double(Float.greatestFiniteMagnitude)]
    static let steps: [Int64] = [0, 1, -1, 9, 10, 99, 100, 127, 128, Int64.max, Int64.min, 1_000_000_007, -42]

    @Test("every special value, step and format; values of one event share their step and wall time", arguments: [ScalarTextRows.Format.csv, .jsonLines])
    func specials(format: ScalarTextRows.Format) {
        var rows = ScalarTextRows(format: format)
        var expected = ""
        let paths = ["logs/run,1/events.out.tfevents.1", "plain/events", "quote\"d/events\n"]
        let tags = ["loss", "a,b", "q\"uote", "ünïcode/タグ", "ctl\u{1}"]
        var count = 0
        for step in Self.steps {
            for wallTime in Self.specials.prefix(8) + [.nan, 1_700_000_000.5] {
                for (index, value) in Self.specials.enumerated() {
                    let path = paths[count % paths.count]
                    let tag = tags[(count + index) % tags.count]
                    rows.append(path: rows.field(path), tag: rows.field(tag), step: step, wallTime: wallTime, value: value)
                    expected += Self.expected(format, path: path, tag: tag, step: step, wallTime: wallTime, value: value)
                    count += 1
                }
            }
        }
        #expect(String(decoding: rows.bytes, as: UTF8.self) == expected)
        #expect(rows.header == (format == .csv ? Array("path,tag,step,wall_time,value\n".utf8) : []))
    }

    @Test("two million random doubles (bit patterns, floats widened, integers, wall times) print as Double.description")
    func randomDoubles() {
        var rng = SplitMix64(seed: 2026)
        var rows = ScalarTextRows(format: .csv)
        let path = rows.field("p")
        let tag = rows.field("t")
        var mismatches: [UInt64] = []
        for i in 0 ..< 500_000 {
            let candidates = [Double(bitPattern: rng.next()),
                              Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))),
                              Double(Int64(bitPattern: rng.next()) >> Int64(i % 63)),
                              1.6e9 + Double(i) * 0.001_001]
            for value in candidates {
                rows.append(path: path, tag: tag, step: Int64(i), wallTime: 1.5, value: value)
                let line = String(decoding: rows.bytes, as: UTF8.self)
                let want = Self.expected(.csv, path: "p", tag: "t", step: Int64(i), wallTime: 1.5, value: value)
                if line != want, mismatches.count < 5 { mismatches.append(value.bitPattern) }
                rows.drain { _ in }
            }
        }
        #expect(mismatches.isEmpty, "bit patterns printed differently: \(mismatches)")
    }

    @Test("wall times in whole microseconds, written from their integer, are Double.description's digits; any other time too", arguments: [ScalarTextRows.Format.csv, .jsonLines])
    func microsecondWallTimes(format: ScalarTextRows.Format) {
        var rng = SplitMix64(seed: 14)
        var rows = ScalarTextRows(format: format)
        let path = rows.field("p"), tag = rows.field("t")
        var times: [Double] = [1, 1.000001, 1.5, 10, 99.99999, 1_000_000, 1_600_000_000, 1_600_000_000.000001,
                               1_600_000_000.1, 1_699_999_999.999999, 4_294_967_296, 8_589_934_591.999999,
                               8_589_934_592, 8_589_934_592.5, 9_999_999_999.000001, 0.999999, 0.5, -1_600_000_000.25,
                               1_700_000_000.123_456_7, 1_700_000_000.1234565, Double(1.0.nextUp), 2.0.nextDown]
        // Microseconds from one to beyond 2^33 seconds, log-uniform, and
        // the times time.time() gives (not whole microseconds).
        for _ in 0 ..< 200_000 {
            let exponent = Double(rng.next() % 1_000) / 1_000 * 16.5  // 10^0 ... 10^16.5 microseconds
            let micros = UInt64(pow(10, exponent)) &+ rng.next() % 1_000
            times.append(Double(micros) / 1e6)
            times.append(1.6e9 + Double(rng.next() % 1_000_000_000) / 1e9 * 3e8)
        }
        var mismatches: [Double] = []
        for (i, time) in times.enumerated() {
            rows.append(path: path, tag: tag, step: Int64(i), wallTime: time, value: 0.5)
            let line = String(decoding: rows.bytes, as: UTF8.self)
            if line != Self.expected(format, path: "p", tag: "t", step: Int64(i), wallTime: time, value: 0.5),
               mismatches.count < 5 {
                mismatches.append(time)
            }
            rows.drain { _ in }
        }
        #expect(mismatches.isEmpty, "times printed differently: \(mismatches.map(\.bitPattern))")
    }

    @Test("rows from registered row starts equal rows given path and tag; starts are forgotten per file", arguments: [ScalarTextRows.Format.csv, .jsonLines])
    func rowPrefixes(format: ScalarTextRows.Format) {
        var direct = ScalarTextRows(format: format, capacity: 16)  // small: the buffer grows
        var prefixed = ScalarTextRows(format: format, capacity: 16)
        var rng = SplitMix64(seed: 5)
        for file in ["a/events.1", "b,c/events.2"] {
            prefixed.forgetRowPrefixes()
            let path = direct.field(file)
            let tags = ["loss", "acc,uracy", "q\"t"].map { direct.field($0) }
            let ids = tags.map { prefixed.rowPrefix(path: path, tag: $0) }
            #expect(ids == [0, 1, 2])
            for i in 0 ..< 3000 {
                let t = rng.nextInt(below: tags.count)
                let step = Int64(i / 4), wallTime = 1.7e9 + Double(i / 4), value = Double(bitPattern: rng.next())
                direct.append(path: path, tag: tags[t], step: step, wallTime: wallTime, value: value)
                prefixed.append(prefix: ids[t], step: step, wallTime: wallTime, value: value)
            }
        }
        #expect(prefixed.count == direct.count && prefixed.count > 100_000)
        #expect(prefixed.bytes == direct.bytes)
        // A copy keeps its bytes when the original goes on writing.
        let copy = prefixed
        prefixed.append(prefix: 0, step: 1, wallTime: 2, value: 3)
        #expect(copy.count == direct.count && copy.bytes == direct.bytes && prefixed.count > copy.count)
        var drained: [UInt8] = []
        unsafe prefixed.drain { unsafe drained.append(contentsOf: $0) }
        #expect(prefixed.count == 0 && Array(drained.prefix(copy.count)) == copy.bytes && drained.count > copy.count)
    }

    @Test("a buffer shared before each use is copied at its own size, not twice it: capacity stays put over 12 uses")
    func unsharingKeepsCapacity() {
        var buffer = TextBuffer(capacity: 1000)
        let capacity = buffer.capacity
        var copies: [TextBuffer] = []
        for use in 0 ..< 12 {
            buffer.removeAll()
            buffer.append(UInt8(ascii: "a") &+ UInt8(use % 26))  // shared since the last use: copied first
            #expect(buffer.capacity == capacity, "use \(use): \(buffer.capacity) bytes")
            copies.append(buffer)
        }
        // Each copy kept what the buffer held when it was made.
        #expect(copies[0].bytes == Array("a".utf8) && copies[1].bytes == Array("b".utf8) && copies[11].bytes == Array("l".utf8))
        // Growing still doubles.
        buffer.append([UInt8](repeating: 0x20, count: capacity))
        #expect(buffer.capacity == 2 * capacity)
    }
}
