import Foundation
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The window streams are read through: records straddling every chunk
/// boundary, records larger than a chunk, pieces of every size, on the
/// caller's thread and on a producer thread, and failures mid-stream with
/// exact offsets.
@Suite("Stream window")
struct StreamWindowTests {
    static let chunkSizes = [12, 13, 16, 31, 64, 100, 257, 4096]
    static let pieceScripts: [[Int]] = [[0], [1], [3, 7, 1, 12], [5000]]

    static func stream(records payloads: [[UInt8]]) -> [UInt8] {
        payloads.flatMap(TestRecords.frame)
    }

    static func reader(_ stream: any ByteStream, chunk: Int, background: Bool, skipping: Int = 0,
                       options: RecordReaderOptions = .init()) -> RecordReader {
        RecordReader(stream: stream, path: "<test>", startOffset: skipping, skipping: skipping,
                     windowCapacity: chunk, compression: .none, background: background, options: options)
    }

    @Test("random records read back through every chunk size, piece script and thread mode",
          arguments: chunkSizes, [false, true])
    func roundTrip(chunk: Int, background: Bool) {
        var rng = SplitMix64(seed: UInt64(chunk) &* 31 &+ (background ? 1 : 0))
        let payloads = TestRecords.randomPayloads(count: 60, large: chunk, using: &rng)
        let bytes = Self.stream(records: payloads)
        for pieces in Self.pieceScripts {
            var reader = Self.reader(ScriptedByteStream(bytes, pieces: pieces), chunk: chunk, background: background)
            let (read, errors) = TestRecords.readAll(&reader)
            #expect(errors.isEmpty, "chunk \(chunk), pieces \(pieces): \(errors)")
            #expect(read == payloads, "chunk \(chunk), pieces \(pieces)")
            #expect(reader.endState == .clean(offset: bytes.count))
        }
    }

    @Test("every split point of a two-record stream, with a record larger than the chunk")
    func everySplit() {
        let payloads: [[UInt8]] = [Array(repeating: 7, count: 40), Array(0 ..< 100), []]
        let bytes = Self.stream(records: payloads)
        for chunk in [12, 20, 56, 57, 200] {
            for first in 1 ..< bytes.count {
                var reader = Self.reader(ScriptedByteStream(bytes, pieces: [first, 0]), chunk: chunk, background: false)
                let (read, errors) = TestRecords.readAll(&reader)
                #expect(errors.isEmpty)
                #expect(read == payloads, "chunk \(chunk), first piece \(first)")
            }
        }
    }

    @Test("a start offset inside a stream discards the bytes before it", arguments: [false, true])
    func skipping(background: Bool) {
        var rng = SplitMix64(seed: 99)
        let payloads = TestRecords.randomPayloads(count: 20, large: 64, using: &rng)
        let framed = payloads.map(TestRecords.frame)
        let bytes = framed.flatMap { $0 }
        var offset = 0
        for index in 0 ... payloads.count {
            var reader = Self.reader(ScriptedByteStream(bytes, pieces: [5, 33]), chunk: 64, background: background,
                                     skipping: offset)
            var offsets: [Int] = []
            var read: [[UInt8]] = []
            while let record = try? reader.next() {
                offsets.append(record.offset)
                read.append(record.bytes)
            }
            #expect(read == Array(payloads[index...]))
            #expect(offsets.first == (index < payloads.count ? offset : nil))
            #expect(reader.endState == .clean(offset: bytes.count))
            if index < framed.count { offset += framed[index].count }
        }
    }

    @Test("a stream failing mid-record: earlier records kept, exact offsets", arguments: [false, true])
    func failureOffsets(background: Bool) {
        var rng = SplitMix64(seed: 5)
        let payloads = TestRecords.randomPayloads(count: 30, large: 50, using: &rng)
        let framed = payloads.map(TestRecords.frame)
        let bytes = framed.flatMap { $0 }
        for failAfter in stride(from: 0, to: bytes.count, by: 7) {
            let stream = ScriptedByteStream(bytes, pieces: [3, 40, 11], failAfter: failAfter)
            var reader = Self.reader(stream, chunk: 32, background: background)
            let (read, errors) = TestRecords.readAll(&reader)
            // Records wholly before the failure point are all delivered.
            var complete = 0
            var boundary = 0
            for record in framed {
                guard boundary + record.count <= failAfter else { break }
                boundary += record.count
                complete += 1
            }
            #expect(read == Array(payloads[..<complete]), "fail after \(failAfter)")
            #expect(errors.count == 1)
            if let error = errors.first {
                #expect(error.offset == failAfter)
                #expect(error.kind == .corruptCompressedData(message: "scripted failure", compressedOffset: 1234))
                #expect(!error.isResumable)
            }
            #expect(reader.endState == .stopped(at: boundary))
        }
    }

    @Test("a stream that ends inside a compressed frame is a truncated tail, even at a record boundary")
    func endedMidStream() {
        let payloads: [[UInt8]] = [[1, 2, 3], Array(repeating: 9, count: 30)]
        let bytes = Self.stream(records: payloads)
        for background in [false, true] {
            var reader = Self.reader(ScriptedByteStream(bytes, endedMidStream: true), chunk: 16, background: background)
            let (read, errors) = TestRecords.readAll(&reader)
            #expect(errors.isEmpty)
            #expect(read == payloads)
            #expect(reader.endState == .truncated(validEnd: bytes.count, trailingBytes: 0))

            let cut = Array(bytes.dropLast(5))
            var partial = Self.reader(ScriptedByteStream(cut, endedMidStream: true), chunk: 16, background: background)
            #expect(TestRecords.readAll(&partial).payloads == [payloads[0]])
            #expect(partial.endState == .truncated(validEnd: 19, trailingBytes: cut.count - 19))
        }
    }

    @Test("a huge verified length in a stream grows memory only as bytes arrive")
    func hugeLength() {
        var header: [UInt8] = []
        let length = UInt64(1) << 40
        for i in 0 ..< 8 { header.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
        let crc = MaskedCRC.compute(Array(header)).rawValue
        for i in 0 ..< 4 { header.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i)))) }
        let bytes = TestRecords.frame([1, 2]) + header + Array(repeating: 0xAB, count: 100_000)
        var options = RecordReaderOptions()
        options.maxRecordLength = Int.max - 16
        var reader = Self.reader(ScriptedByteStream(bytes), chunk: 4096, background: true, options: options)
        let (read, errors) = TestRecords.readAll(&reader)
        #expect(read == [[1, 2]])
        #expect(errors.isEmpty)
        #expect(reader.endState == .truncated(validEnd: 18, trailingBytes: bytes.count - 18))
    }

    @Test("windows dropped in the middle stop their producer thread, which then lets go of the pipeline")
    func droppedEarly() throws {
        let bytes = Self.stream(records: (0 ..< 2000).map { Array(repeating: UInt8($0 % 251), count: $0 % 300) })
        for round in 0 ..< 50 {
            weak var pipeline: ChunkPipeline?
            do {
                let window = StreamWindow(stream: ScriptedByteStream(bytes, pieces: [round + 1]), capacity: 64,
                                          background: true)
                #expect(window.readsInBackground)
                pipeline = window.pipeline
                for _ in 0 ..< round { try window.refill(keepFrom: window.bytes.count, needed: 12) }
            }
            // The window is gone: its deinit cancelled the producer, which
            // holds the pipeline until its thread returns.
            let deadline = ContinuousClock.now + .seconds(10)
            while pipeline != nil && ContinuousClock.now < deadline { usleep(1000) }
            #expect(pipeline == nil, "round \(round): the producer thread is still running")
        }
    }
}

