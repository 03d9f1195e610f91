import TFRecord
import TFEventsCore
import TFEventsSystem

/// Interning the tags of a stream of summary values with ``TagTable``, the
/// way scanning, indexing and the best-model tracker do: by the tag's bytes,
/// hashed (`intern(_:)`) or first checked against the id predicted from the
/// previous value's tag (`intern(_:predicted:at:)`).
///
/// Not API: reached with `@_spi(Benchmarking) import _TFEventsBenchmarking`
/// by the `TagTable` suite of the nested `Benchmarks/` package. The loop
/// lives here, in the package that owns `TagTable`, so that what is
/// measured is the table and not a call across packages.
///
/// The table is built by ``init(tags:)`` and kept: a run over values whose
/// tags it holds allocates nothing.
///
/// ```swift
/// let stream = TagInterningWorkload.Stream(log: bytes)
/// var workload = TagInterningWorkload(tags: EvalLogGenerator.tags)
/// let checksum = workload.run(stream, predicted: true)
/// ```
@_spi(Benchmarking)
public struct TagInterningWorkload {
    /// The tags of every summary value of a log, in order, grouped by event:
    /// each value's tag bytes copied one after another into one buffer, as
    /// records carry them, without the rest of the record.
    public struct Stream: Sendable {
        /// Every value's tag bytes, end to end.
        let bytes: [UInt8]
        /// Where each value's tag ends in ``bytes`` (it starts where the
        /// previous one ends).
        let valueEnds: [Int]
        /// For each event with values, the index of the value after its last.
        let eventEnds: [Int]

        /// The summary values of the framed event log `log`.
        ///
        /// Reading stops at the first record or event that does not decode:
        /// compare ``valueCount`` with what the log should hold.
        public init(log: [UInt8]) {
            var bytes: [UInt8] = []
            var valueEnds: [Int] = []
            var eventEnds: [Int] = []
            var reader = EventFileReader(records: RecordReader(bytes: log))
            var value = SummaryValueView()
            reading: while true {
                let next: EventView?
                do { next = try reader.next() } catch { break }
                guard let event = next else { break }
                var values = event.summaryValues()
                while true {
                    let more: Bool
                    do { more = try values.next(into: &value) } catch { break reading }
                    guard more else { break }
                    value.tagBytes.append(to: &bytes)
                    valueEnds.append(bytes.count)
                }
                if (eventEnds.last ?? 0) != valueEnds.count { eventEnds.append(valueEnds.count) }
            }
            self.bytes = bytes
            self.valueEnds = valueEnds
            self.eventEnds = eventEnds
        }

        /// The number of values (tags to intern per run).
        public var valueCount: Int { valueEnds.count }
        /// The number of events that hold values.
        public var eventCount: Int { eventEnds.count }
        /// The bytes of all the tags.
        public var byteCount: Int { bytes.count }
    }

    private var table = TagTable()
    private var prediction = TagPrediction()

    /// A table holding `tags`, with ids 0, 1, 2, ... in that order.
    ///
    /// The tags are then interned twice over as the values of one event,
    /// so that the prediction has seen every tag followed by another: a run
    /// over values with these tags grows neither the table nor the
    /// prediction, and allocates nothing.
    public init(tags: [String]) {
        for tag in tags { _ = table.intern(tag) }
        var fields = tags.map { Array($0.utf8) }
        fields += fields
        for (index, field) in fields.enumerated() {
            _ = table.intern(field.rawSpan, predicted: &prediction, at: index)
        }
    }

    /// The number of distinct tags in the table.
    public var tagCount: Int { table.count }

    /// Interns every value's tag of `stream`, in order.
    ///
    /// - Parameter predicted: check the id that followed the previous
    ///   value's tag first, as scanning and indexing do; false: the direct
    ///   lookup (a small cache in front of the hash table).
    /// - Returns: the sum of the ids, the same in both modes.
    public mutating func run(_ stream: Stream, predicted: Bool) -> Int {
        let bytes = stream.bytes.rawSpan
        let valueEnds = stream.valueEnds
        var checksum = 0
        var start = 0
        var value = 0
        if predicted {
            for eventEnd in stream.eventEnds {
                var index = 0
                while value < eventEnd {
                    let end = valueEnds[value]
                    checksum &+= table.intern(bytes.extracting(start ..< end), predicted: &prediction, at: index)
                    start = end
                    value &+= 1
                    index &+= 1
                }
            }
        } else {
            for end in valueEnds {
                checksum &+= table.intern(bytes.extracting(start ..< end))
                start = end
            }
        }
        return checksum
    }
}
