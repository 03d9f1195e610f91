import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Random damage to a real event file: reading never traps, never reports
/// an offset outside the data, and keeps every record before the damage.
@Suite("Damaged input properties")
struct DamagedInputPropertyTests {
    static let original: [UInt8] = {
        let path = FixtureLibrary.path("tf1/graph_mode/events.out.tfevents.1795433718.vm")
        return (try? Array(Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }()

    /// Reads `bytes` as events (decoding every summary value and scalar);
    /// returns the record offsets seen and checks every offset is in range.
    static func readAll(_ bytes: [UInt8], options: RecordReaderOptions = .init()) -> [Int] {
        var reader = EventFileReader(records: RecordReader(bytes: bytes, options: options))
        var offsets: [Int] = []
        while true {
            do {
                guard let event = try reader.next() else { break }
                #expect(event.recordOffset >= 0 && event.recordOffset < bytes.count)
                offsets.append(event.recordOffset)
                var values = event.summaryValues()
                while let value = try? values.next() {
                    _ = try? value.scalar()
                    _ = try? value.metadata()
                }
                _ = try? event.sessionLog()
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                if !error.isResumable { break }
            }
        }
        switch reader.endState {
        case let .truncated(validEnd, trailing):
            #expect(validEnd + trailing == bytes.count)
        case .clean(let offset):
            #expect(offset == bytes.count)
        case .stopped(let at):
            #expect(at >= 0 && at <= bytes.count)
        case .reading:
            Issue.record("reader did not finish")
        }
        return offsets
    }

    @Test("the undamaged file reads all 23 records")
    func baseline() {
        #expect(Self.readAll(Self.original).count == 23)
    }

    @Test("random bit flips: no trap, offsets in range, records before the flip intact")
    func bitFlips() {
        let cleanOffsets = Self.readAll(Self.original)
        var rng = SplitMix64(seed: 7)
        for _ in 0 ..< 400 {
            var bytes = Self.original
            let position = Int.random(in: 0 ..< bytes.count, using: &rng)
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0 ..< 8, using: &rng)
            let offsets = Self.readAll(bytes)
            let before = cleanOffsets.filter { offset in
                // records wholly before the flipped byte
                let next = cleanOffsets.first { $0 > offset } ?? Self.original.count
                return next <= position
            }
            #expect(Array(offsets.prefix(before.count)) == before)
        }
    }

    @Test("every truncation point: a clean end or a truncated tail, records before it intact")
    func truncations() {
        let cleanOffsets = Self.readAll(Self.original)
        for length in 0 ... Self.original.count {
            let offsets = Self.readAll(Array(Self.original.prefix(length)))
            let complete = cleanOffsets.enumerated().filter { index, _ in
                let end = index + 1 < cleanOffsets.count ? cleanOffsets[index + 1] : Self.original.count
                return end <= length
            }.map(\.element)
            #expect(offsets == complete, "length \(length)")
        }
    }

    @Test("random garbage with stop-at-first-error and with resynchronisation")
    func garbage() {
        var rng = SplitMix64(seed: 99)
        for length in stride(from: 0, to: 2000, by: 37) {
            let bytes = (0 ..< length).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            _ = Self.readAll(bytes)
            _ = Self.readAll(bytes, options: .stopAtFirstError)
        }
    }
}
