import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The real compressed fixtures (TensorFlow's GZIP and ZLIB TFRecord
/// options, whole-file gzip, two gzip members, zstd) read to exactly the
/// records of their uncompressed original, whichever way they are read.
@Suite("Compressed fixtures")
struct CompressedFixtureTests {
    /// Reads compressed `bytes` through the pipe path, in scripted pieces.
    static func readStream(_ bytes: [UInt8], format: CompressionFormat, pieces: [Int] = [0],
                           background: Bool = false) throws -> (payloads: [[UInt8]], errors: [ReadRecordError], end: RecordReader.EndState) {
        let decoder = try Decompression.stream(format, input: .stream(ScriptedByteStream(bytes, pieces: pieces)), path: "<pipe>")
        var reader = RecordReader(stream: decoder, path: "<pipe>", startOffset: 0, skipping: 0,
                                  windowCapacity: StreamWindow.defaultCapacity, compression: format,
                                  background: background, options: .init())
        let (payloads, errors) = TestRecords.readAll(&reader)
        return (payloads, errors, reader.endState)
    }

    @Test("every container holds exactly the 23 records of expected.json",
          arguments: CompressedFixtures.variants.map(\.suffix), [RecordReaderOptions.ReadAhead.never, .always])
    func recordsMatch(suffix: String, readAhead: RecordReaderOptions.ReadAhead) throws {
        var options = RecordReaderOptions()
        options.readAhead = readAhead
        var reader = try RecordReader(path: CompressedFixtures.path(suffix), options: options)
        #expect(reader.compression == CompressedFixtures.variants.first { $0.suffix == suffix }?.format)
        let (payloads, errors) = TestRecords.readAll(&reader)
        #expect(errors.isEmpty)
        #expect(payloads.map(SHA256.hex) == CompressedFixtures.recordDigests)
        #expect(reader.endState == .clean(offset: CompressedFixtures.plainSize))
    }

    @Test("events, steps and scalars equal the uncompressed original's", arguments: CompressedFixtures.variants.map(\.suffix))
    func eventsMatch(suffix: String) throws {
        let original = try ObservedFile(path: CompressedFixtures.path(""))
        let observed = try ObservedFile(path: CompressedFixtures.path(suffix))
        #expect(observed.errors.isEmpty)
        #expect(observed.kinds == original.kinds)
        #expect(observed.steps == original.steps)
        #expect(observed.scalars == original.scalars)
        #expect(!observed.scalars.isEmpty)
    }

    @Test("pipes: compressed bytes arriving in pieces of 1, 7, 100 and 4096 bytes",
          arguments: CompressedFixtures.variants.filter { $0.format != .none }.map(\.suffix))
    func pipes(suffix: String) throws {
        let format = try #require(CompressedFixtures.variants.first { $0.suffix == suffix }?.format)
        for pieces in [[1], [7], [100], [4096]] {
            for background in [false, true] {
                let result = try Self.readStream(CompressedFixtures.bytes(suffix), format: format, pieces: pieces, background: background)
                #expect(result.errors.isEmpty)
                #expect(result.payloads.map(SHA256.hex) == CompressedFixtures.recordDigests, "\(suffix) in pieces of \(pieces)")
                #expect(result.end == .clean(offset: CompressedFixtures.plainSize))
            }
        }
    }

    @Test("a gzip file cut in the middle: the records before the cut, then a truncated tail")
    func truncatedGzip() throws {
        for readAhead in [RecordReaderOptions.ReadAhead.never, .always] {
            var options = RecordReaderOptions()
            options.readAhead = readAhead
            var reader = try RecordReader(path: FixtureLibrary.path("corrupt/events.out.tfevents.gzip_truncated"),
                                          options: options)
            let (payloads, errors) = TestRecords.readAll(&reader)
            #expect(errors.isEmpty)
            #expect(payloads.map(SHA256.hex) == Array(CompressedFixtures.recordDigests.prefix(7)))
            #expect(reader.endState == .truncated(validEnd: 4283, trailingBytes: 15))
        }
        let summary = FileScanner().scan(path: FixtureLibrary.path("corrupt/events.out.tfevents.gzip_truncated"))
        #expect(summary.compression == .gzip)
        #expect(summary.validEnd == 4283)
        #expect(summary.truncatedBytes == 15)
        #expect(!summary.hasCorruption)
    }

    @Test("every cut of a compressed file is a truncated tail holding a prefix of the records",
          arguments: [".gz", ".zlib-tfrecord", ".zst"])
    func everyCut(suffix: String) throws {
        let format = try #require(CompressedFixtures.variants.first { $0.suffix == suffix }?.format)
        let whole = CompressedFixtures.bytes(suffix)
        let digests = CompressedFixtures.recordDigests
        var cuts = Array(0 ..< min(300, whole.count))
        cuts += stride(from: 300, to: whole.count - 300, by: 5)
        cuts += max(300, whole.count - 300) ..< whole.count
        for cut in cuts {
            let result = try Self.readStream(Array(whole[..<cut]), format: format)
            #expect(result.errors.isEmpty, "cut at \(cut): \(result.errors)")
            #expect(result.payloads.map(SHA256.hex) == Array(digests.prefix(result.payloads.count)), "cut at \(cut)")
            guard case let .truncated(validEnd, trailing) = result.end else {
                // Only an empty input ends cleanly.
                #expect(cut == 0 && result.end == .clean(offset: 0), "cut at \(cut): \(result.end)")
                continue
            }
            #expect(validEnd >= 0 && trailing >= 0)
        }
    }

    @Test("random damage never traps and reports compressed and uncompressed offsets",
          arguments: [".gz", ".zlib-tfrecord", ".zst"])
    func damage(suffix: String) throws {
        let format = try #require(CompressedFixtures.variants.first { $0.suffix == suffix }?.format)
        let whole = CompressedFixtures.bytes(suffix)
        let digests = Set(CompressedFixtures.recordDigests)
        var rng = SplitMix64(seed: 11)
        var compressedErrors = 0
        for _ in 0 ..< 300 {
            var damaged = whole
            let position = Int.random(in: 0 ..< damaged.count, using: &rng)
            damaged[position] ^= UInt8.random(in: 1 ... 255, using: &rng)
            let result = try Self.readStream(damaged, format: format)
            // Whatever is delivered passed its CRC-32C: it is a real record.
            #expect(result.payloads.allSatisfy { digests.contains(SHA256.hex($0)) })
            for error in result.errors {
                #expect(error.offset >= 0 && error.offset <= 1 << 20)
                if case .corruptCompressedData(_, let compressedOffset) = error.kind {
                    compressedErrors += 1
                    let offset = try #require(compressedOffset)
                    #expect(offset >= 0 && offset <= damaged.count)
                    #expect(!error.isResumable)
                    guard case .stopped(let at) = result.end else {
                        Issue.record("a decoding error must stop the reader: \(result.end)")
                        continue
                    }
                    #expect(at <= error.offset)
                }
            }
        }
        #expect(compressedErrors > 0)
    }

    @Test("concatenated members and frames read as one stream; zero padding is ignored")
    func concatenation() throws {
        let twice = CompressedFixtures.recordDigests + CompressedFixtures.recordDigests
        let cases: [(String, [UInt8], CompressionFormat)] = [
            ("gzip members", CompressedFixtures.bytes(".gz") + CompressedFixtures.bytes(".gzip-tfrecord"), .gzip),
            ("gzip with zero padding", CompressedFixtures.bytes(".multimember.gz") + [0, 0, 0, 0] + CompressedFixtures.bytes(".gz") + [0, 0], .gzip),
            ("zlib streams", CompressedFixtures.bytes(".zlib-tfrecord") + CompressedFixtures.bytes(".zlib-tfrecord"), .zlib),
            ("zstd frames", CompressedFixtures.bytes(".zst") + CompressedFixtures.bytes(".zst"), .zstd),
            ("zstd skippable frames", Self.skippableFrame(17) + CompressedFixtures.bytes(".zst") + Self.skippableFrame(0)
                + CompressedFixtures.bytes(".zst") + Self.skippableFrame(3), .zstd),
        ]
        for (name, bytes, format) in cases {
            #expect(CompressionFormat.detect(prefix: Array(bytes.prefix(12))) == format, "\(name)")
            for background in [false, true] {
                let result = try Self.readStream(bytes, format: format, pieces: [0], background: background)
                let expected = name.hasPrefix("gzip with") ? CompressedFixtures.recordDigests + CompressedFixtures.recordDigests : twice
                #expect(result.errors.isEmpty, "\(name): \(result.errors)")
                #expect(result.payloads.map(SHA256.hex) == expected, "\(name)")
                #expect(result.end == .clean(offset: 2 * CompressedFixtures.plainSize), "\(name)")
            }
        }
    }

    @Test("garbage after the last gzip member is corrupt data, after every record")
    func trailingGarbage() throws {
        let whole = CompressedFixtures.bytes(".gz")
        let result = try Self.readStream(whole + Array("not gzip".utf8), format: .gzip)
        #expect(result.payloads.map(SHA256.hex) == CompressedFixtures.recordDigests)
        let error = try #require(result.errors.first)
        guard case .corruptCompressedData(_, let compressedOffset) = error.kind else {
            Issue.record("expected corrupt compressed data, got \(error)")
            return
        }
        #expect(try #require(compressedOffset) >= whole.count)
        #expect(error.offset == CompressedFixtures.plainSize)
        #expect(result.end == .stopped(at: CompressedFixtures.plainSize))
        #expect(error.message.contains("uncompressed offset 12189"))
        #expect(error.message.contains("compressed offset"))
    }

    @Test("a start offset in a compressed file decodes and skips to that record",
          arguments: [".gz", ".zlib-tfrecord", ".zst"])
    func startOffset(suffix: String) throws {
        var plain = try RecordReader(path: CompressedFixtures.path(""))
        var offsets: [Int] = []
        while let record = try plain.next() { offsets.append(record.offset) }
        for (index, offset) in offsets.enumerated() where index % 5 == 2 {
            var reader = try RecordReader(path: CompressedFixtures.path(suffix), startOffset: offset)
            var seen: [Int] = []
            var payloads: [[UInt8]] = []
            while let record = try reader.next() {
                seen.append(record.offset)
                payloads.append(record.bytes)
            }
            #expect(seen == Array(offsets[index...]))
            #expect(payloads.map(SHA256.hex) == Array(CompressedFixtures.recordDigests[index...]))
        }
    }

    @Test("detection follows FORMAT §2.2, whatever the file is called")
    func detection() {
        for (suffix, format) in CompressedFixtures.variants {
            #expect(CompressionFormat.detect(prefix: Array(CompressedFixtures.bytes(suffix).prefix(12))) == format)
        }
        // An uncompressed record of length 0x8B1F starts with 1F 8B: its
        // verifying header wins over the gzip magic.
        let record = TestRecords.frame(Array(repeating: 0x08, count: 0x8B1F))
        #expect(Array(record.prefix(2)) == [0x1F, 0x8B])
        #expect(CompressionFormat.detect(prefix: Array(record.prefix(12))) == .none)
        #expect(CompressionFormat.detect(prefix: []) == .none)
        #expect(CompressionFormat.detect(prefix: [0x78, 0x9C, 0, 0]) == .zlib)
        #expect(CompressionFormat.detect(prefix: [0x78, 0x01, 0, 0]) == .zlib)
        #expect(CompressionFormat.detect(prefix: [0x78, 0xDA, 0, 0]) == .zlib)
        #expect(CompressionFormat.detect(prefix: [0x78, 0x9D, 0, 0]) == .none)
        #expect(CompressionFormat.detect(prefix: [0x52, 0x2A, 0x4D, 0x18]) == .zstd)
    }

    /// A zstd skippable frame with `count` payload bytes.
    static func skippableFrame(_ count: Int) -> [UInt8] {
        [0x5A, 0x2A, 0x4D, 0x18] + [UInt8(count & 0xFF), UInt8(count >> 8 & 0xFF), 0, 0]
            + Array(repeating: 0xEE, count: count)
    }
}
