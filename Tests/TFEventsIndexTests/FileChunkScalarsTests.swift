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

    /// A chunk whose events carry the tag sequences `signature(event)`,
    /// with values of every kind and some events without points.
    static func chunk(events: Int, wallTime: (Int) -> Double, signature: (Int) -> [UInt32]) -> FileChunk {
        var chunk = FileChunk()
        for event in 0 ..< events {
            let tags = signature(event)
            let id = chunk.addEvent(step: Int64(event), wallTime: wallTime(event), offset: 24 + event * 120,
                                    length: 100 + 9 * tags.count + (event % 7 == 0 ? 1 : 0))
            for (position, tag) in tags.enumerated() {
                chunk.pointTags.append(tag)
                chunk.pointEvents.append(id)
                chunk.values.append(Double(Float(event) * 0.25 + Float(position)))
            }
        }
        return chunk
    }

    @Test("event signatures: repeated, random, empty, a tag twice in an event, extreme tag ids; values grouped by tag come back in point order, float32 or not")
    func signatures() throws {
        var random = SplitMix64(seed: 17)
        let shapes: [(Int) -> [UInt32]] = [
            { _ in [0, 1, 2, 3] },
            { _ in (0 ..< UInt32(random.next() % 6)).filter { _ in random.next() % 2 == 0 } },
            { $0 % 3 == 0 ? [] : [5, 5, 1] },
            { $0 % 2 == 0 ? [UInt32.max, 0] : [UInt32.max - 1] },
        ]
        for shape in shapes {
            var chunk = Self.chunk(events: 2_000, wallTime: { 1.7e9 + Double($0) * 0.37 }, signature: shape)
            #expect(try FileChunk(decoding: chunk.encoded()) == chunk)
            let scalars = try FileChunk(decodingScalars: chunk.encoded())
            #expect(scalars.pointTags == chunk.pointTags && scalars.pointEvents == chunk.pointEvents
                    && scalars.values.map(\.bitPattern) == chunk.values.map(\.bitPattern))
            // A value that is not a float32: eight bytes a value, same answer.
            if !chunk.values.isEmpty { chunk.values[chunk.values.count / 2] = 0.1 }
            #expect(try FileChunk(decoding: chunk.encoded()) == chunk)
        }
        // The same tags event after event cost nothing per event beyond
        // the values: the signature number (0) is there for events without
        // points too. 8,000 float32 values, the four tags in the signature
        // table, the point and value counts a byte longer each. (Format 5
        // spent two more bytes a point: a tag and an event delta.)
        let repeating = Self.chunk(events: 2_000, wallTime: { _ in 1.7e9 }, signature: { _ in [0, 1, 2, 3] })
        let pointsOnly = Self.chunk(events: 2_000, wallTime: { _ in 1.7e9 }, signature: { _ in [] })
        let cost = repeating.encoded().count - pointsOnly.encoded().count
        #expect(cost == 8_000 * 4 + 4 + 2, "\(cost) bytes for 8,000 float32 points, the signature table and the point count")
    }

    @Test("wall times in whole microseconds (TensorFlow's C++ writer) are stored as microseconds and come back bit for bit; any other time keeps the chunk's times as doubles")
    func microsecondWallTimes() throws {
        // NowMicros() / 1e6, as TF2 and Keras write them.
        let micros: (Int) -> Double = { Double(1_796_053_570_123_456 + Int64($0) * 100_037) / 1e6 }
        let third: Int64 = 1_796_053_570_123_456 + 3 * 100_037
        #expect(IndexEncoder.microseconds(micros(3)) == third)
        // Not whole microseconds (time.time()'s extra bits), or not a time.
        for time in [-0.0, .nan, .infinity, -.infinity, 1e300, 1_796_053_570.123_456_7, 0.000_000_1] {
            #expect(IndexEncoder.microseconds(time) == nil, "\(time)")
        }
        #expect(IndexEncoder.microseconds(0) == 0 && IndexEncoder.microseconds(-1.25) == -1_250_000)
        let whole = Self.chunk(events: 3_000, wallTime: micros, signature: { _ in [0] })
        let mixed = Self.chunk(events: 3_000, wallTime: { $0 == 1_500 ? 1_796_053_570.123_456_7 : micros($0) },
                               signature: { _ in [0] })
        for chunk in [whole, mixed] {
            let decoded = try FileChunk(decoding: chunk.encoded())
            #expect(decoded == chunk && decoded.eventWallTimes.map(\.bitPattern) == chunk.eventWallTimes.map(\.bitPattern))
            let points = try FileChunk(decodingPoints: chunk.encoded())
            #expect(points.eventWallTimes.map(\.bitPattern) == chunk.eventWallTimes.map(\.bitPattern))
        }
        // The first stores the times in microseconds (mode 1), the second
        // as doubles (mode 0): the mode byte follows the steps column.
        var steps = IndexEncoder()
        steps.deltas(whole.eventSteps)
        #expect(whole.encoded()[steps.bytes.count] == WallTimeMode.microseconds.rawValue)
        #expect(mixed.encoded()[steps.bytes.count] == WallTimeMode.doubles.rawValue)
    }

    @Test("bytes changed anywhere: an error or a chunk, never a trap")
    func damaged() {
        var random = SplitMix64(seed: 23)
        let bytes = Self.chunk(events: 400, wallTime: { 1.7e9 + Double($0) },
                               signature: { UInt32($0 % 5) < 2 ? [0, 1] : [2] }).encoded()
        var refused = 0, decoded = 0
        for _ in 0 ..< 3_000 {
            var damaged = bytes
            for _ in 0 ..< 1 + Int(random.next() % 3) {
                damaged[Int(random.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            // What decodes has columns that agree with each other.
            if let chunk = try? FileChunk(decoding: damaged) {
                decoded += 1
                #expect(chunk.pointTags.count == chunk.values.count && chunk.pointEvents.count == chunk.values.count
                        && chunk.eventLengths.count == chunk.eventSteps.count
                        && chunk.pointEvents.allSatisfy { Int($0) < chunk.eventSteps.count })
            } else {
                refused += 1
            }
            if let scalars = try? FileChunk(decodingScalars: damaged) {
                #expect(scalars.pointTags.count == scalars.values.count && scalars.pointEvents.count == scalars.values.count)
            }
        }
        // Damage is caught (most of it) and not everything is refused
        // (changed value or time bytes still decode).
        #expect(refused > 100 && decoded > 100, "\(refused) refused, \(decoded) decoded")
    }

    @Test("every truncation is an error, never a trap")
    func truncated() {
        let bytes = Self.sampleChunk().encoded()
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) {
            #expect(throws: IndexDecodingError.self) { try FileChunk(decodingScalars: Array(bytes.prefix(length))) }
        }
    }

    @Test("the encoder notes where each byte plane starts; a compressed block per plane decodes to the same chunk and is smaller")
    func planeBlocks() throws {
        // A noisy metric in microsecond wall times, as an evaluation log
        // holds them: random low bytes in the values' and times' planes.
        var random = SplitMix64(seed: 8)
        var time: Int64 = 1_796_053_570_000_000
        var chunk = FileChunk()
        for event in 0 ..< 40_000 {
            time += 20_000_000 + Int64(random.next() % 580_000_000)
            let id = chunk.addEvent(step: Int64(event) * 100, wallTime: Double(time) / 1e6, offset: 24 + event * 60,
                                    length: 60)
            for tag in 0 ..< 3 {
                chunk.pointTags.append(UInt32(tag))
                chunk.pointEvents.append(id)
                chunk.values.append(Double(Float(0.5 + Double(random.next() % 1_000_000) / 4e7)))
            }
        }
        var encoder = IndexEncoder()
        chunk.encode(into: &encoder)
        let bytes = encoder.bytes, starts = encoder.planeStarts
        // 8 wall-time planes and 4 value planes, each with its end.
        #expect(starts.count == 9 + 5)
        #expect(starts == starts.sorted() && starts.allSatisfy { $0 > 0 && $0 <= bytes.count })
        #expect(starts[8] - starts[0] == 8 * 40_000 && starts[13] - starts[9] == 4 * 120_000)
        let context = ZstdBlock.Context()
        var perPlane: [UInt8] = [], oneBlock: [UInt8] = []
        ZstdBlock.compress(bytes, into: &perPlane, context: context, blockStarts: starts)
        ZstdBlock.compress(bytes, into: &oneBlock, context: context)
        #expect(perPlane.count < oneBlock.count, "\(perPlane.count) >= \(oneBlock.count)")
        #expect(try FileChunk(decoding: ZstdBlock.decompress(perPlane, size: bytes.count)) == chunk)
        // Reused, the encoder forgets the previous chunk's planes.
        FileChunk().encode(into: &encoder)
        #expect(encoder.planeStarts.allSatisfy { $0 <= encoder.bytes.count })
    }
}
