import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// ``RecordReader`` over byte arrays and streams: clean ends, truncated
/// tails, both kinds of corruption under both policies, oversized lengths,
/// and the stream window fed in tiny random chunks.
@Suite("RecordReader")
struct RecordReaderTests {
    /// Five records: empty, 1, 5, 44 (FORMAT §1.4 R3's payload) and 200 bytes.
    static let payloads: [[UInt8]] = [
        [], payloadBytes(1, seed: 1), payloadBytes(5, seed: 2), SpecRecords.payload(of: SpecRecords.r3),
        payloadBytes(200, seed: 3),
    ]
    static let file = recordFile(payloads)
    static var ends: [Int] { file.offsets.dropFirst() + [file.bytes.count] }

    static let stopOptions = RecordReaderOptions.stopAtFirstError

    // MARK: Clean input

    @Test("FORMAT §1.4 records R1-R4 back to back: four records, a clean end")
    func specRecords() {
        let bytes = SpecRecords.r1 + SpecRecords.r2 + SpecRecords.r3 + RecordWriter.framed(SpecRecords.r4Payload)
        let outcome = ReadOutcome.contiguous(bytes)
        #expect(outcome.recordOffsets == [0, 40, 106, 166])
        #expect(outcome.records.map(\.payload) == [
            SpecRecords.payload(of: SpecRecords.r1), SpecRecords.payload(of: SpecRecords.r2),
            SpecRecords.payload(of: SpecRecords.r3), SpecRecords.r4Payload,
        ])
        #expect(outcome.errors.isEmpty)
        #expect(outcome.endState == .clean(offset: 206))
    }

    @Test("every record of a small file, then a clean end at its size")
    func cleanEnd() {
        let outcome = ReadOutcome.contiguous(Self.file.bytes)
        #expect(outcome.recordOffsets == Self.file.offsets)
        #expect(outcome.records.map(\.payload) == Self.payloads)
        #expect(outcome.endState == .clean(offset: Self.file.bytes.count))
        #expect(ReadOutcome.contiguous([]).endState == .clean(offset: 0))
    }

    @Test("RecordView reports offsets and lengths")
    func recordView() throws {
        var reader = RecordReader(bytes: Self.file.bytes)
        for (index, payload) in Self.payloads.enumerated() {
            do {
                // The record borrows the reader: check it, then the reader.
                guard let record = try reader.next() else {
                    Issue.record("record \(index) missing")
                    return
                }
                #expect(record.offset == Self.file.offsets[index])
                #expect(record.payloadLength == payload.count)
                #expect(record.payloadOffset == record.offset + 12)
                #expect(record.endOffset == Self.ends[index])
                #expect(record.bytes == payload)
            }
            #expect(reader.offset == Self.ends[index])
        }
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)  // stays at the end
    }

    // MARK: Truncated tails

    @Test("truncation at every byte: whole records before the cut, then a clean end or a truncated tail")
    func truncatedAtEveryPoint() {
        let bytes = Self.file.bytes
        let boundaries = [0] + Self.ends
        for cut in 0 ... bytes.count {
            let prefix = Array(bytes[..<cut])
            let complete = Self.ends.filter { $0 <= cut }.count
            let validEnd = boundaries.last { $0 <= cut } ?? 0
            let expectedEnd: RecordReader.EndState = validEnd == cut
                ? .clean(offset: cut) : .truncated(validEnd: validEnd, trailingBytes: cut - validEnd)
            for outcome in [ReadOutcome.contiguous(prefix),
                            ReadOutcome.streamed(prefix, windowCapacity: 16, maxChunk: 7, seed: UInt64(cut))] {
                #expect(outcome.recordOffsets == Array(Self.file.offsets.prefix(complete)), "cut \(cut)")
                #expect(outcome.errors.isEmpty, "cut \(cut)")
                #expect(outcome.endState == expectedEnd, "cut \(cut)")
            }
        }
    }

    // MARK: Corrupt payload

    static func payloadFlipped(record: Int) -> [UInt8] {
        var bytes = file.bytes
        bytes[file.offsets[record] + TFRecordLayout.headerLength + 2] ^= 0x10
        return bytes
    }

    @Test("corrupt payload, skip policy: reported at the record, the next records follow")
    func corruptPayloadSkips() {
        let bytes = Self.payloadFlipped(record: 3)
        let outcome = ReadOutcome.contiguous(bytes)
        let start = Self.file.offsets[3]
        let payload = Array(bytes[start + 12 ..< start + 12 + 44])
        let stored = MaskedCRC(rawValue: 0x7865_4CBA)  // R3's documented data CRC
        let computed = MaskedCRC.compute(Array(payload))
        #expect(outcome.items == [
            .record(offset: Self.file.offsets[0], payload: Self.payloads[0]),
            .record(offset: Self.file.offsets[1], payload: Self.payloads[1]),
            .record(offset: Self.file.offsets[2], payload: Self.payloads[2]),
            .error(.init(kind: .corruptPayload(stored: stored, computed: computed), offset: start,
                         skippedBytes: 0, foundNextHeader: false, isResumable: true)),
            .record(offset: Self.file.offsets[4], payload: Self.payloads[4]),
        ])
        #expect(outcome.endState == .clean(offset: bytes.count))
    }

    @Test("corrupt payload, stop policy: reported, then reading stops at the record")
    func corruptPayloadStops() {
        let outcome = ReadOutcome.contiguous(Self.payloadFlipped(record: 3), options: Self.stopOptions)
        #expect(outcome.recordOffsets == Array(Self.file.offsets.prefix(3)))
        #expect(outcome.errors.count == 1)
        #expect(outcome.errors.first?.offset == Self.file.offsets[3])
        #expect(outcome.errors.first?.isResumable == false)
        #expect(outcome.endState == .stopped(at: Self.file.offsets[3]))
    }

    @Test("payload checks off: a bad payload CRC goes unnoticed, length CRCs still count")
    func payloadChecksOff() {
        var options = RecordReaderOptions()
        options.verifyPayloadChecksums = false
        let outcome = ReadOutcome.contiguous(Self.payloadFlipped(record: 3), options: options)
        #expect(outcome.recordOffsets == Self.file.offsets)
        #expect(outcome.errors.isEmpty)
    }

    // MARK: Corrupt length

    static func lengthFlipped(record: Int) -> [UInt8] {
        var bytes = file.bytes
        bytes[file.offsets[record]] ^= 0x01
        return bytes
    }

    @Test("FORMAT §1.4 negative vector: stored 0x554B7F99 where 0x224B7FA3 is due is a length CRC mismatch")
    func specNegativeVector() {
        let bytes = hexBytes("18 00 00 00 00 00 00 00  99 7f 4b 55") + Array(SpecRecords.r1[12...])
        let outcome = ReadOutcome.contiguous(bytes, options: Self.stopOptions)
        #expect(outcome.errors == [.init(kind: .corruptLength(stored: MaskedCRC(rawValue: 0x554B_7F99),
                                                              computed: MaskedCRC(rawValue: 0x224B_7FA3)),
                                         offset: 0, skippedBytes: 0, foundNextHeader: false, isResumable: false)])
        #expect(outcome.records.isEmpty)
        #expect(outcome.endState == .stopped(at: 0))
    }

    @Test("corrupt length, resynchronise: skips exactly to the next header and goes on")
    func corruptLengthResynchronizes() {
        let bytes = Self.lengthFlipped(record: 2)
        let start = Self.file.offsets[2]
        let outcome = ReadOutcome.contiguous(bytes)
        let stored = MaskedCRC(rawValue: UInt32(bytes[start + 8]) | UInt32(bytes[start + 9]) << 8
            | UInt32(bytes[start + 10]) << 16 | UInt32(bytes[start + 11]) << 24)
        let computed = MaskedCRC.compute(Array(bytes[start ..< start + 8]))
        #expect(outcome.errors == [.init(kind: .corruptLength(stored: stored, computed: computed), offset: start,
                                         skippedBytes: Self.file.offsets[3] - start, foundNextHeader: true,
                                         isResumable: true)])
        #expect(outcome.recordOffsets == [0, Self.file.offsets[1], Self.file.offsets[3], Self.file.offsets[4]])
        #expect(outcome.endState == .clean(offset: bytes.count))
    }

    @Test("corrupt length, stop policy")
    func corruptLengthStops() {
        let outcome = ReadOutcome.contiguous(Self.lengthFlipped(record: 2), options: Self.stopOptions)
        #expect(outcome.recordOffsets == Array(Self.file.offsets.prefix(2)))
        #expect(outcome.errors.map(\.offset) == [Self.file.offsets[2]])
        #expect(outcome.endState == .stopped(at: Self.file.offsets[2]))
    }

    @Test("garbage after the last record: a bad length there; the last 11 bytes become a truncated tail")
    func garbageTail() {
        let garbage = payloadBytes(30, seed: 77)
        let bytes = Self.file.bytes + garbage
        let end = Self.file.bytes.count
        let outcome = ReadOutcome.contiguous(bytes)
        #expect(outcome.recordOffsets == Self.file.offsets)
        #expect(outcome.errors.count == 1)
        let error = outcome.errors[0]
        #expect(error.offset == end)
        #expect(error.skippedBytes == 30 - 11 && !error.foundNextHeader && error.isResumable)
        #expect(outcome.endState == .truncated(validEnd: end + 19, trailingBytes: 11))
    }

    // MARK: Oversized lengths

    /// A header claiming `length` bytes with a valid length CRC.
    static func header(length: UInt64) -> [UInt8] {
        let lengthBytes = littleEndianBytes(length)
        let crc = MaskedCRC.compute(Array(lengthBytes))
        return lengthBytes + littleEndianBytes(crc.rawValue)
    }

    @Test("a valid-CRC length of 2^40: too large at its offset, records before it intact")
    func tooLarge() {
        let bytes = RecordWriter.framed(SpecRecords.r4Payload) + Self.header(length: 1 << 40) + payloadBytes(50, seed: 4)
        for outcome in [ReadOutcome.contiguous(bytes, options: Self.stopOptions),
                        ReadOutcome.streamed(bytes, windowCapacity: 16, maxChunk: 5, options: Self.stopOptions)] {
            #expect(outcome.recordOffsets == [0])
            #expect(outcome.errors == [.init(kind: .tooLarge(length: 1 << 40, limit: RecordReaderOptions().maxRecordLength),
                                             offset: 40, skippedBytes: 0, foundNextHeader: false, isResumable: false)])
            #expect(outcome.endState == .stopped(at: 40))
        }
        // Resynchronising after it finds the record behind the garbage.
        let resynced = ReadOutcome.contiguous(bytes + RecordWriter.framed([1, 2, 3]))
        #expect(resynced.recordOffsets == [0, bytes.count])
        #expect(resynced.errors.first?.skippedBytes == bytes.count - 40)
    }

    @Test("a 2^40 length under a limit above it: a truncated tail, even through a 16-byte stream window")
    func hugeLengthIsTruncation() {
        var options = RecordReaderOptions()
        options.maxRecordLength = Int.max - 16
        let bytes = RecordWriter.framed(SpecRecords.r4Payload) + Self.header(length: 1 << 40) + payloadBytes(1000, seed: 5)
        for outcome in [ReadOutcome.contiguous(bytes, options: options),
                        ReadOutcome.streamed(bytes, windowCapacity: 16, maxChunk: 64, options: options)] {
            #expect(outcome.recordOffsets == [0])
            #expect(outcome.errors.isEmpty)
            #expect(outcome.endState == .truncated(validEnd: 40, trailingBytes: bytes.count - 40))
        }
    }

    // MARK: Streams

    /// Inputs whose streamed reading must equal the contiguous one.
    static let streamCases: [(name: String, bytes: [UInt8])] = {
        let big = recordFile([payloadBytes(5000, seed: 10), [], payloadBytes(70, seed: 11), payloadBytes(64, seed: 12),
                              payloadBytes(1 << 16, seed: 13), payloadBytes(3, seed: 14)]).bytes
        var cases: [(String, [UInt8])] = [
            ("clean", file.bytes), ("big records", big), ("empty", []),
            ("truncated header", Array(big.prefix(5000 + 16 + 7))),
            ("truncated payload", Array(big.dropLast(2))),
            ("payload flipped", payloadFlipped(record: 4)), ("length flipped", lengthFlipped(record: 1)),
            ("garbage tail", file.bytes + payloadBytes(100, seed: 15)),
            ("garbage head", payloadBytes(33, seed: 16) + big),
            ("too large", file.bytes + header(length: 1 << 40) + big),
        ]
        var bigFlipped = big
        bigFlipped[5016 + 12 + 1] ^= 0x80  // inside the empty record's footer
        cases.append(("footer flipped", bigFlipped))
        return cases
    }()

    @Test("streamed in random 1...n byte chunks through a tiny window: same records, errors and end",
          arguments: 0 ..< 11)
    func streamedEqualsContiguous(caseIndex: Int) {
        let (name, bytes) = Self.streamCases[caseIndex]
        for options in [RecordReaderOptions(), Self.stopOptions] {
            let expected = ReadOutcome.contiguous(bytes, options: options)
            for (window, chunk) in [(16, 1), (16, 5), (64, 3), (64, 100), (12, 13), (4096, 4096)] {
                for seed: UInt64 in 1 ... 3 {
                    let streamed = ReadOutcome.streamed(bytes, windowCapacity: window, maxChunk: chunk, seed: seed,
                                                        options: options)
                    #expect(streamed == expected, "\(name), window \(window), chunks ≤ \(chunk), seed \(seed)")
                }
            }
        }
    }

    @Test("a stream whose reads return one byte at a time still yields a 64 KiB record")
    func oneByteReads() {
        let payload = payloadBytes(1 << 16, seed: 21)
        let bytes = RecordWriter.framed(payload)
        let stream = ChunkedByteStream(bytes, maxChunk: 1, seed: 0)
        var reader = RecordReader(stream: stream, path: "<stream>", windowCapacity: 16)
        let outcome = ReadOutcome(reading: &reader)
        #expect(outcome.records.map(\.payload) == [payload])
        #expect(outcome.endState == .clean(offset: bytes.count))
        #expect(stream.reads == bytes.count)
    }

    @Test("startOffset shifts every reported stream offset")
    func streamStartOffset() {
        var reader = RecordReader(stream: ChunkedByteStream(Self.payloadFlipped(record: 3), maxChunk: 9, seed: 3),
                                  path: "<stream>", startOffset: 1000, windowCapacity: 32)
        let outcome = ReadOutcome(reading: &reader)
        #expect(outcome.recordOffsets == [0, 1, 2, 4].map { Self.file.offsets[$0] + 1000 })
        #expect(outcome.errors.map(\.offset) == [Self.file.offsets[3] + 1000])
        #expect(outcome.endState == .clean(offset: Self.file.bytes.count + 1000))
    }
}
