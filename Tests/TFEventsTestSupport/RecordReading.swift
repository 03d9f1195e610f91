@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
@testable import TFEventsSystem


/// Everything a ``RecordReader`` reported, in a comparable form.
package struct ReadOutcome: Equatable, CustomStringConvertible {
    /// One reported error, without its path.
    package struct ReportedError: Equatable {
        package var kind: ReadRecordError.Kind
        package var offset: Int
        package var skippedBytes: Int
        package var foundNextHeader: Bool
        package var isResumable: Bool

        package init(kind: ReadRecordError.Kind, offset: Int, skippedBytes: Int, foundNextHeader: Bool, isResumable: Bool) {
            self.kind = kind
            self.offset = offset
            self.skippedBytes = skippedBytes
            self.foundNextHeader = foundNextHeader
            self.isResumable = isResumable
        }
    }

    /// A record or an error, in the order they came.
    package enum Item: Equatable {
        case record(offset: Int, payload: [UInt8])
        case error(ReportedError)
    }

    package var items: [Item] = []
    package var endState: RecordReader.EndState = .reading

    package var records: [(offset: Int, payload: [UInt8])] {
        items.compactMap { if case let .record(offset, payload) = $0 { return (offset, payload) } else { return nil } }
    }

    package var recordOffsets: [Int] { records.map(\.offset) }

    package var errors: [ReportedError] {
        items.compactMap { if case .error(let error) = $0 { return error } else { return nil } }
    }

    package var description: String {
        "\(items.count) items (\(records.count) records, errors \(errors.map { "\($0.kind)@\($0.offset)" })), end \(endState)"
    }

    /// Reads `reader` to its end, going on after resumable errors. Gives up
    /// (and records an issue) after `limit` steps, so a reader that loops
    /// fails the test instead of hanging it.
    package init(reading reader: inout RecordReader, limit: Int = 1_000_000) {
        self.init(reading: &reader, buffered: nil, limit: limit)
    }

    /// Reads `reader` to its end as ``init(reading:limit:)`` does, but takes
    /// the records ``RecordReader/forEachBufferedRecord(before:_:)`` serves
    /// before each call of `next()`: with a limit a few records ahead that
    /// varies from call to call, refusing every `refusingEvery`-th record
    /// it is handed (left for `next()`). Also checks that no record at or
    /// past the limit is handed out (recorded as an error item of its own).
    package init(readingBuffered reader: inout RecordReader, refusingEvery: Int, limit: Int = 1_000_000) {
        self.init(reading: &reader, buffered: refusingEvery, limit: limit)
    }

    private init(reading reader: inout RecordReader, buffered refusingEvery: Int?, limit: Int) {
        var handed = 0
        let aheads = [0, 1, 700, 5_000, Int.max / 2]
        for step in 0 ..< limit {
            if let refusingEvery {
                let stop = reader.offset &+ aheads[step % aheads.count]
                var items = self.items
                reader.forEachBufferedRecord(before: stop) { record in
                    handed += 1
                    if handed % refusingEvery == 0 { return false }
                    if record.offset >= stop {  // never expected: shows up as an odd item
                        items.append(.record(offset: -1, payload: []))
                    }
                    items.append(.record(offset: record.offset, payload: record.bytes))
                    return true
                }
                self.items = items
            }
            do {
                guard let record = try reader.next() else {
                    endState = reader.endState
                    return
                }
                items.append(.record(offset: record.offset, payload: record.bytes))
            } catch {
                items.append(.error(ReportedError(error)))
                if !error.isResumable {
                    // A stopped reader must say so and then return nil.
                    if let after = try? reader.next() { items.append(.record(offset: after.offset, payload: after.bytes)) }
                    endState = reader.endState
                    return
                }
            }
        }
        endState = .reading
    }

    /// Reads `bytes` as a contiguous buffer.
    package static func contiguous(_ bytes: [UInt8], options: RecordReaderOptions = .init()) -> ReadOutcome {
        var reader = RecordReader(bytes: bytes, options: options)
        return ReadOutcome(reading: &reader)
    }

    /// Reads `bytes` through a window of `windowCapacity` bytes fed by a
    /// stream handing out 1 ... `maxChunk` bytes per read.
    package static func streamed(_ bytes: [UInt8], windowCapacity: Int, maxChunk: Int, seed: UInt64 = 1,
                         options: RecordReaderOptions = .init()) -> ReadOutcome {
        var reader = RecordReader(stream: ChunkedByteStream(bytes, maxChunk: maxChunk, seed: seed), path: "<stream>",
                                  windowCapacity: windowCapacity, options: options)
        return ReadOutcome(reading: &reader)
    }
}

/// A TFRecord file of `payloads`, and the offset of each record.
package func recordFile(_ payloads: [[UInt8]]) -> (bytes: [UInt8], offsets: [Int]) {
    var bytes: [UInt8] = []
    var offsets: [Int] = []
    for payload in payloads {
        offsets.append(bytes.count)
        RecordWriter.frame(payload, appendingTo: &bytes)
    }
    return (bytes, offsets)
}

/// Deterministic payload bytes of `length`.
package func payloadBytes(_ length: Int, seed: UInt64) -> [UInt8] {
    var random = SplitMix64(seed: seed)
    return (0 ..< length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
}

extension ReadOutcome.ReportedError {
    /// The comparable parts of `error`.
    package init(_ error: ReadRecordError) {
        self.init(kind: error.kind, offset: error.offset, skippedBytes: error.skippedBytes,
                  foundNextHeader: error.foundNextHeader, isResumable: error.isResumable)
    }
}
