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

    @Test("every truncation is an error, never a trap")
    func truncated() {
        let bytes = Self.sampleChunk().encoded()
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) {
            #expect(throws: IndexDecodingError.self) { try FileChunk(decodingScalars: Array(bytes.prefix(length))) }
        }
    }
}
