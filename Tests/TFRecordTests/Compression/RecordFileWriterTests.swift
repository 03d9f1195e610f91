import Foundation
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Writing records in every format and level, and reading them back.
@Suite("Record file writer")
struct RecordFileWriterTests {
    static func fixturePayloads() throws -> [[UInt8]] {
        var reader = try RecordReader(path: CompressedFixtures.path(""))
        var payloads: [[UInt8]] = []
        while let record = try reader.next() { payloads.append(record.bytes) }
        return payloads
    }

    @Test("the fixture's records written uncompressed, GZIP and ZLIB are TensorFlow's exact bytes",
          arguments: [("", CompressionFormat.none), (".gzip-tfrecord", .gzip), (".zlib-tfrecord", .zlib)])
    func tensorFlowBytes(suffix: String, format: CompressionFormat) throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out"
        let writer = try RecordFileWriter(path: path, compression: format)
        for payload in try Self.fixturePayloads() { try writer.write(payload) }
        try writer.close()
        #expect(try TestFiles.contents(path) == CompressedFixtures.bytes(suffix))
        #expect(writer.offset == CompressedFixtures.plainSize)
    }

    /// Random payloads: tiny, typical, and larger than the writer's 256 KiB
    /// input buffer and than small reader chunks.
    static func randomPayloads(seed: UInt64) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        var payloads: [[UInt8]] = []
        for index in 0 ..< 120 {
            let size: Int
            switch index % 40 {
            case 0: size = 0
            case 13: size = RecordFileWriter.compressionBufferSize + Int.random(in: -20 ... 20_000, using: &rng)
            case 27: size = Int.random(in: 1_000 ... 70_000, using: &rng)
            default: size = Int.random(in: 1 ... 300, using: &rng)
            }
            // Compressible but not trivially: a few random bytes repeated.
            let alphabet = (0 ..< 8).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            payloads.append((0 ..< size).map { _ in alphabet[Int.random(in: 0 ..< 8, using: &rng)] })
        }
        return payloads
    }

    static let levelCases: [(CompressionFormat, Int?)] = [
        (.none, nil), (.gzip, nil), (.gzip, 0), (.gzip, 1), (.gzip, 9), (.zlib, nil), (.zlib, 1), (.zlib, 9),
        (.zstd, nil), (.zstd, -5), (.zstd, 1), (.zstd, 19),
    ]

    @Test("round trips in every format and level, flushed at random points, read through every chunk size",
          arguments: Array(levelCases.indices))
    func roundTrip(caseIndex: Int) throws {
        let (format, level) = Self.levelCases[caseIndex]
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/records"
        let payloads = Self.randomPayloads(seed: UInt64(caseIndex) + 100)
        let writer = try RecordFileWriter(path: path, compression: format, level: level)
        #expect(writer.level == (format == .none ? 0 : level ?? format.defaultLevel))
        var rng = SplitMix64(seed: UInt64(caseIndex))
        for payload in payloads {
            try writer.write(payload)
            if Int.random(in: 0 ..< 10, using: &rng) == 0 { try writer.flush() }
        }
        try writer.close()

        for readAhead in [RecordReaderOptions.ReadAhead.never, .always] {
            var options = RecordReaderOptions()
            options.readAhead = readAhead
            var reader = try RecordReader(path: path, options: options)
            #expect(reader.compression == format)
            let (read, errors) = TestRecords.readAll(&reader)
            #expect(errors.isEmpty)
            #expect(read == payloads)
            #expect(reader.endState == .clean(offset: writer.offset))
        }
        // Compressed input mapped 4 KiB at a time: the decoder crosses
        // hundreds of mapping windows.
        if format != .none {
            let fd = open(path, O_RDONLY)
            let identity = try FileIdentity(path: path)
            let mapping = SlidingMapping(fd: fd, path: path, identity: identity, windowSize: 4096)
            let decoder = try Decompression.stream(format, input: .file(mapping), path: path)
            var reader = RecordReader(stream: decoder, path: path, compression: format)
            let (read, errors) = TestRecords.readAll(&reader)
            #expect(errors.isEmpty)
            #expect(read == payloads, "4 KiB mapping windows")
        }
        // The same bytes through small reader chunks: records straddle
        // every boundary, many are larger than a chunk.
        let bytes = try TestFiles.contents(path)
        for chunk in [4099, 65_536] {
            let decoder = try Decompression.stream(format, input: .stream(ScriptedByteStream(bytes, pieces: [777, 0])),
                                                   path: path)
            var reader = RecordReader(stream: decoder, path: path, windowCapacity: chunk, compression: format)
            let (read, errors) = TestRecords.readAll(&reader)
            #expect(errors.isEmpty)
            #expect(read == payloads, "chunk \(chunk)")
        }
    }

    @Test("after flush(), a concurrent reader sees every record; the open stream is a truncated tail",
          arguments: [CompressionFormat.none, .gzip, .zlib, .zstd])
    func flushIsVisible(format: CompressionFormat) throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/live"
        let writer = try RecordFileWriter(path: path, compression: format)
        var written: [[UInt8]] = []
        for round in 0 ..< 3 {
            for index in 0 ..< 50 {
                let payload = Array("round \(round) record \(index)".utf8)
                try writer.write(payload)
                written.append(payload)
            }
            try writer.flush()
            var reader = try RecordReader(path: path)
            let (read, errors) = TestRecords.readAll(&reader)
            #expect(errors.isEmpty)
            #expect(read == written)
            if format == .none {
                #expect(reader.endState == .clean(offset: writer.offset))
            } else {
                #expect(reader.endState == .truncated(validEnd: writer.offset, trailingBytes: 0))
            }
        }
        try writer.close()
        var reader = try RecordReader(path: path)
        #expect(TestRecords.readAll(&reader).payloads == written)
        #expect(reader.endState == .clean(offset: writer.offset))
    }

    @Test("appending to a compressed file adds a member or frame that reads on", arguments: [CompressionFormat.gzip, .zstd])
    func append(format: CompressionFormat) throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/appended"
        let first = try RecordFileWriter(path: path, compression: format)
        try first.write([1, 2, 3])
        try first.close()
        let second = try RecordFileWriter(path: path, compression: format, mode: .append)
        try second.write([4, 5])
        try second.close()
        var reader = try RecordReader(path: path)
        #expect(TestRecords.readAll(&reader).payloads == [[1, 2, 3], [4, 5]])
    }

    @Test("files are never overwritten by default; levels are validated per format")
    func safety() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/exists"
        try RecordFileWriter(path: path).close()
        for format in CompressionFormat.allCases {
            #expect(throws: WriteRecordError.self) { try RecordFileWriter(path: path, compression: format) }
        }
        #expect(CompressionFormat.gzip.acceptsLevel(9) && !CompressionFormat.gzip.acceptsLevel(10))
        #expect(CompressionFormat.zlib.acceptsLevel(-1) && !CompressionFormat.zlib.acceptsLevel(-2))
        #expect(CompressionFormat.zstd.acceptsLevel(19) && CompressionFormat.zstd.acceptsLevel(-5))
        #expect(!CompressionFormat.zstd.acceptsLevel(1000))
        #expect(CompressionFormat.none.acceptsLevel(42))
    }
}
