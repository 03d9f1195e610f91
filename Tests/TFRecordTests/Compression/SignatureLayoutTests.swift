import Testing
import TFEventsSynthetic
@testable import TFRecord

/// The signature kernels of the index's point columns: grouping values and
/// expanding them back are inverse, and a layout whose parts disagree is
/// refused instead of read outside its arrays.
@Suite("Index column codec: signature layouts")
struct SignatureLayoutTests {
    /// Signatures [0 1 2], [2], [], [1 1]: groups 0, 1, 2 are tags 0, 1, 2.
    static let starts = [0, 3, 4, 4, 6]
    static let entryGroups: [Int32] = [0, 1, 2, 2, 1, 1]
    static let signatureTags: [UInt32] = [10, 11, 12, 12, 11, 11]

    /// The group starts that `events` fill.
    static func groupStarts(_ events: [UInt32]) -> [Int] {
        var sizes = [0, 0, 0]
        for signature in events {
            for entry in starts[Int(signature)] ..< starts[Int(signature) + 1] { sizes[Int(entryGroups[entry])] += 1 }
        }
        return [0, sizes[0], sizes[0] + sizes[1], sizes[0] + sizes[1] + sizes[2]]
    }

    @Test("grouped values come back in point order with each point's tag and event, for random event sequences")
    func roundTrip() throws {
        var random = SplitMix64(seed: 9)
        for _ in 0 ..< 200 {
            let events = (0 ..< Int(random.next() % 50)).map { _ in UInt32(random.next() % 4) }
            let layout = try #require(ColumnCodec.SignatureLayout(starts: Self.starts, entryGroups: Self.entryGroups,
                                                                  groupStarts: Self.groupStarts(events), ofEvent: events))
            let values = (0 ..< layout.pointCount).map { Double($0) + 0.5 }
            let grouped = try #require(ColumnCodec.group(values, by: layout))
            // Grouped: tag by tag, each in point order.
            var expectedTags: [UInt32] = [], expectedEvents: [UInt32] = []
            for (event, signature) in events.enumerated() {
                for entry in Self.starts[Int(signature)] ..< Self.starts[Int(signature) + 1] {
                    expectedTags.append(Self.signatureTags[entry])
                    expectedEvents.append(UInt32(event))
                }
            }
            let byTag = (0 ..< values.count).sorted { (expectedTags[$0], $0) < (expectedTags[$1], $1) }.map { values[$0] }
            #expect(grouped == byTag)
            let back = try #require(ColumnCodec.expand(layout, tags: Self.signatureTags, grouped: grouped))
            #expect(back.values == values && back.tags == expectedTags && back.events == expectedEvents)
        }
    }

    @Test("a layout whose parts disagree is refused; sizes that add up but do not fit the events stop the walk")
    func refused() {
        let events: [UInt32] = [0, 1, 3]
        let good = Self.groupStarts(events)
        #expect(ColumnCodec.SignatureLayout(starts: Self.starts, entryGroups: Self.entryGroups, groupStarts: good,
                                            ofEvent: events) != nil)
        // An unknown signature, an entry in no group, a range past the
        // entries, sizes not adding up to the points, decreasing starts.
        #expect(ColumnCodec.SignatureLayout(starts: Self.starts, entryGroups: Self.entryGroups, groupStarts: good,
                                            ofEvent: [0, 4]) == nil)
        #expect(ColumnCodec.SignatureLayout(starts: Self.starts, entryGroups: [0, 1, 3, 2, 1, 1], groupStarts: good,
                                            ofEvent: events) == nil)
        #expect(ColumnCodec.SignatureLayout(starts: [0, 3, 4, 4, 7], entryGroups: Self.entryGroups, groupStarts: good,
                                            ofEvent: events) == nil)
        #expect(ColumnCodec.SignatureLayout(starts: Self.starts, entryGroups: Self.entryGroups,
                                            groupStarts: [0, 1, 2, 9], ofEvent: events) == nil)
        #expect(ColumnCodec.SignatureLayout(starts: [0, 3, 2, 4, 6], entryGroups: Self.entryGroups, groupStarts: good,
                                            ofEvent: [2]) == nil)
        // Six points either way (good: 1, 3 and 2 a group), but group 1
        // is given room for one: its second value has nowhere to go.
        let wrong = [0, 2, 3, 6]
        #expect(good != wrong && good.last == wrong.last)
        if let layout = ColumnCodec.SignatureLayout(starts: Self.starts, entryGroups: Self.entryGroups,
                                                    groupStarts: wrong, ofEvent: events) {
            #expect(ColumnCodec.group(Array(repeating: 1, count: 6), by: layout) == nil)
            #expect(ColumnCodec.expand(layout, tags: Self.signatureTags, grouped: Array(repeating: 1, count: 6)) == nil)
        } else {
            Issue.record("sizes that add up are accepted by the layout, refused by the walk")
        }
        // One value short, one tag short.
        if let layout = ColumnCodec.SignatureLayout(starts: Self.starts, entryGroups: Self.entryGroups,
                                                    groupStarts: good, ofEvent: events) {
            #expect(ColumnCodec.group(Array(repeating: 1, count: 5), by: layout) == nil)
            #expect(ColumnCodec.expand(layout, tags: Array(Self.signatureTags.dropLast()),
                                       grouped: Array(repeating: 1, count: 6)) == nil)
            #expect(ColumnCodec.expand(layout, tags: Self.signatureTags, grouped: Array(repeating: 1, count: 6)) != nil)
        }
    }
}
