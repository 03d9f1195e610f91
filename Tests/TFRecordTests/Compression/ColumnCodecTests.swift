import Testing
import TFEventsSynthetic
@testable import TFRecord

/// The delta columns of the index: what is appended decodes back, through
/// the eight-at-once path and the one-by-one path alike, and a short
/// input is refused.
@Suite("Index column codec: delta varints")
struct ColumnCodecTests {
    /// Columns whose deltas are all one byte, all longer, and mixed in
    /// runs of every length around the eight-byte word.
    static func columns() -> [[Int64]] {
        var random = SplitMix64(seed: 42)
        var mixed: [Int64] = [0]
        for _ in 0 ..< 5_000 {
            let delta: Int64
            switch random.next() % 4 {
            case 0: delta = Int64(random.next() % 63)                   // one byte
            case 1: delta = -Int64(random.next() % 64)                  // one byte, negative
            case 2: delta = Int64(random.next() % 100_000)              // two or three bytes
            default: delta = Int64(bitPattern: random.next()) >> Int64(random.next() % 64)  // anything
            }
            mixed.append(mixed[mixed.count - 1] &+ delta)
        }
        return [[], [5], Array(0 ..< 7), Array(0 ..< 8), Array(0 ..< 9), Array(0 ..< 1_000).map { $0 / 3 },
                Array(0 ..< 300).map { $0 * 1_000 }, [Int64.min, Int64.max, 0, -1, 1, Int64.max], mixed]
    }

    @Test("Int64 columns decode to what was appended, and the position ends after them")
    func int64RoundTrip() throws {
        for values in Self.columns() {
            var bytes: [UInt8] = [0xAA]  // the column starts inside a larger buffer
            ColumnCodec.appendDeltas(values, to: &bytes)
            bytes += [0x01, 0x02]
            var position = 1
            let decoded = ColumnCodec.decodeDeltas(bytes, at: &position, count: values.count, as: Int64.self)
            #expect(decoded == values)
            #expect(position == bytes.count - 2)
        }
    }

    @Test("UInt32 columns (tag ids, event numbers) decode to what was appended")
    func uint32RoundTrip() throws {
        var random = SplitMix64(seed: 7)
        var events: [UInt32] = []
        var event: UInt32 = 0
        for _ in 0 ..< 10_000 {
            if random.next() % 3 == 0 { event &+= UInt32(random.next() % 200) }
            events.append(event)
        }
        let tags = (0 ..< 10_000).map { _ in UInt32(random.next() % 300) }
        for values in [events, tags, [UInt32.max, 0, UInt32.max], Array(0 ..< 17)] {
            var bytes: [UInt8] = []
            ColumnCodec.appendDeltas(values, to: &bytes)
            var position = 0
            #expect(ColumnCodec.decodeDeltas(bytes, at: &position, count: values.count, as: UInt32.self) == values)
            #expect(position == bytes.count)
        }
    }

    @Test("plain varint columns (signature numbers) decode to what was appended, through both paths; cut anywhere, refused")
    func plainVarints() throws {
        var random = SplitMix64(seed: 8)
        let mixed = (0 ..< 5_000).map { _ in random.next() % 2 == 0 ? UInt32(random.next() % 128) : UInt32(truncatingIfNeeded: random.next()) }
        // The bytes themselves: each value as a varint, no zig-zag, no delta.
        var exact: [UInt8] = []
        ColumnCodec.appendVarints([UInt32.max, 128, 0, 300], to: &exact)
        #expect(exact == [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x80, 0x01, 0x00, 0xAC, 0x02])
        for values in [[], [0], Array(0 ..< 9), Array(repeating: 127, count: 40), [UInt32.max, 128, 0], mixed] {
            var bytes: [UInt8] = []
            ColumnCodec.appendVarints(values, to: &bytes)
            var position = 0
            #expect(ColumnCodec.decodeVarints(bytes, at: &position, count: values.count) == values)
            #expect(position == bytes.count)
            for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 50)) where !values.isEmpty {
                var start = 0
                #expect(ColumnCodec.decodeVarints(Array(bytes[..<cut]), at: &start, count: values.count) == nil && start == 0)
            }
        }
    }

    @Test("a column cut anywhere is refused (nil), the position left where it was")
    func truncated() throws {
        let values: [Int64] = Array(0 ..< 40).map { $0 % 5 == 0 ? $0 * 100_000 : $0 }
        var bytes: [UInt8] = []
        ColumnCodec.appendDeltas(values, to: &bytes)
        for cut in 0 ..< bytes.count {
            var position = 0
            #expect(ColumnCodec.decodeDeltas(Array(bytes[..<cut]), at: &position, count: values.count, as: Int64.self) == nil)
            #expect(position == 0)
        }
        // A varint longer than ten bytes.
        var position = 0
        #expect(ColumnCodec.decodeDeltas([UInt8](repeating: 0xFF, count: 12) + [0], at: &position, count: 1, as: Int64.self) == nil)
    }
}
