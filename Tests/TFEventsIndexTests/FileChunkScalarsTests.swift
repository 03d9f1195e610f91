import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("Index chunks: scalars-only decoding")
struct FileChunkScalarsTests {
    static func sampleChunk() -> FileChunk {
        var chunk = FileChunk()
        var random = SplitMix64(seed: 5)
        for event in 0 ..< 3_000 {
            let id = chunk.addEvent(step: Int64(event * 7 - 100), wallTime: 1.7e9 + Double(event) * 0.37,
                                    offset: 24 + event * 90, length: 60 + event % 200)
            for tag in 0 ..< 1 + Int(random.next() % 4) {
                chunk.pointTags.append(UInt32(tag))
                chunk.pointEvents.append(id)
                chunk.values.append(tag == 3 ? Double(random.next() % 1000) / 7 : Double(Float(event) / 3))
            }
            if event % 500 == 0 { chunk.startEvents.append(id) }
            if event % 97 == 0 {
                chunk.blobTags.append(9)
                chunk.blobEvents.append(id)
                chunk.blobKinds.append(BlobKind.histogram.rawValue)
            }
        }
        return chunk
    }

    @Test("the scalar columns are those of the full decoding; the skipped ones are empty")
    func sameScalars() throws {
        let original = Self.sampleChunk()
        let bytes = original.encoded()
        let full = try FileChunk(decoding: bytes)
        let scalars = try FileChunk(decodingScalars: bytes)
        #expect(full == original)
        #expect(scalars.eventSteps == original.eventSteps)
        #expect(scalars.pointTags == original.pointTags && scalars.pointEvents == original.pointEvents)
        #expect(scalars.values.map(\.bitPattern) == original.values.map(\.bitPattern))
        #expect(scalars.startEvents == original.startEvents && scalars.blobEvents == original.blobEvents)
        #expect(scalars.eventWallTimes.isEmpty && scalars.eventOffsets.isEmpty && scalars.eventLengths.isEmpty)
    }

    @Test("record offsets are stored as the gaps after the records before them: back to back they cost a byte each, extremes round-trip")
    func offsetsAsGaps() throws {
        // Back to back (the usual case) against offsets that skip about 100
        // bytes after every record: the same chunk but for those gaps.
        func chunk(gap: (Int) -> Int) -> FileChunk {
            var chunk = FileChunk()
            var offset = 24
            for event in 0 ..< 5_000 {
                let length = 100 + event % 173
                _ = chunk.addEvent(step: Int64(event), wallTime: 1.7e9, offset: offset, length: length)
                offset += length + gap(event)
            }
            return chunk
        }
        let backToBack = chunk { _ in 0 }, apart = chunk { 100 + $0 % 29 }
        #expect(try FileChunk(decoding: backToBack.encoded()) == backToBack)
        #expect(try FileChunk(decoding: apart.encoded()) == apart)
        // Each gap of 100–128 takes two bytes instead of one (zig-zag varints).
        #expect(apart.encoded().count - backToBack.encoded().count == 5_000 - 1)
        // Offsets and lengths at the ends of their ranges wrap and come back.
        var extreme = FileChunk()
        _ = extreme.addEvent(step: 0, wallTime: 0, offset: Int.max, length: Int(UInt32.max))
        _ = extreme.addEvent(step: 0, wallTime: 0, offset: 0, length: 0)
        _ = extreme.addEvent(step: 0, wallTime: 0, offset: Int.max - 5, length: 7)
        #expect(try FileChunk(decoding: extreme.encoded()) == extreme)
    }

    @Test("every truncation is an error, never a trap")
    func truncated() {
        let bytes = Self.sampleChunk().encoded()
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) {
            #expect(throws: IndexDecodingError.self) { try FileChunk(decodingScalars: Array(bytes.prefix(length))) }
        }
    }
}
