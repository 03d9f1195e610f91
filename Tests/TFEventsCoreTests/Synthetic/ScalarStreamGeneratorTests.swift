import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic

/// The one-scalar-per-event log: deterministic, one value per event with
/// the six tags in turn at every step, and statistics that agree with an
/// independent read.
@Suite("ScalarStreamGenerator")
struct ScalarStreamGeneratorTests {
    static func bytes(seed: UInt64, style: EventRecord.ScalarStyle, events: Int) -> ([UInt8], ScalarStreamGenerator) {
        var generator = ScalarStreamGenerator(seed: seed, style: style)
        let bytes = SyntheticLog.bytes(&generator, limit: .events(events))
        return (bytes, generator)
    }

    @Test("the same seed gives the same bytes; another seed does not")
    func deterministic() {
        #expect(Self.bytes(seed: 3, style: .tf2Tensor, events: 500).0 == Self.bytes(seed: 3, style: .tf2Tensor, events: 500).0)
        #expect(Self.bytes(seed: 3, style: .tf2Tensor, events: 500).0 != Self.bytes(seed: 4, style: .tf2Tensor, events: 500).0)
    }

    @Test("one value per event, the tags in turn, a step per round; statistics match the reader",
          arguments: [EventRecord.ScalarStyle.tf2Tensor, .simpleValue])
    func shape(style: EventRecord.ScalarStyle) throws {
        let (bytes, generator) = Self.bytes(seed: 11, style: style, events: 6_001)
        var reader = EventFileReader(records: RecordReader(bytes: bytes))
        var events = 0, points = 0
        var best: (step: Int64, value: Double)?
        var lastWallTime = 0.0
        while let event = try reader.next() {
            defer { events += 1 }
            if events == 0 {
                #expect(event.fileVersion == "brain.Event:2")
                continue
            }
            var values = event.summaryValues()
            var count = 0
            while let value = try values.next() {
                count += 1
                let position = (events - 1) % ScalarStreamGenerator.tags.count
                #expect(value.tag == ScalarStreamGenerator.tags[position])
                #expect(event.step == Int64((events - 1) / ScalarStreamGenerator.tags.count + 1))
                let scalar = try #require(try value.scalar(requireRankZero: true))
                #expect(scalar.encoding == (style == .simpleValue ? .simpleValue : .tensor(.float, fromContent: true)))
                if value.tag == "loss", best.map({ scalar.value < $0.value }) ?? true { best = (event.step, scalar.value) }
            }
            #expect(count == 1)
            #expect(event.wallTime > lastWallTime)
            lastWallTime = event.wallTime
            points += count
        }
        #expect(events == 6_001 && generator.statistics.events == 6_001)
        #expect(points == 6_000 && generator.statistics.scalarPoints == 6_000)
        let expected = try #require(generator.statistics.bestLoss)
        #expect(best?.step == expected.step && best?.value == Double(expected.value))
        #expect(bytes.count / events < 100, "small events: \(bytes.count / events) bytes each")
    }
}
