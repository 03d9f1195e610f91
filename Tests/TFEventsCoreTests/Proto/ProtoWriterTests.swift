import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The wire-format encoder: exact bytes for every primitive, nested
/// lengths across the varint size boundaries, and a round trip through
/// ``ProtoReader``.
@Suite("ProtoWriter")
struct ProtoWriterTests {
    static func encoded(_ body: (inout ProtoWriter) -> Void) -> [UInt8] {
        var writer = ProtoWriter()
        body(&writer)
        return writer.bytes
    }

    @Test("varints: boundaries and the 10-byte negative int64", arguments: [
        (UInt64(0), "00"), (1, "01"), (127, "7f"), (128, "8001"), (150, "9601"), (300, "ac02"),
        (16383, "ff7f"), (16384, "808001"), (UInt64(UInt32.max), "ffffffff0f"),
        (UInt64(bitPattern: -1), "ffffffffffffffffff01"), (UInt64(1) << 63, "80808080808080808001"),
    ])
    func varints(value: UInt64, hex: String) {
        #expect(hexString(Self.encoded { $0.writeVarint(value) }) == hex)
        #expect(ProtoWriter.varintSize(value) == hex.count / 2)
    }

    @Test("negative int64 and int32 fields are 64-bit two's complement, no ZigZag")
    func negativeIntegers() {
        // FORMAT §3.1: -1 = ff ff ff ff ff ff ff ff ff 01.
        #expect(Self.encoded { $0.writeInt64(field: 2, -1) } == hexBytes("10 ffffffffffffffffff01"))
        #expect(Self.encoded { $0.writeInt64(field: 2, Int64(Int32(-2))) } == hexBytes("10 feffffffffffffffff01"))
        #expect(Self.encoded { $0.writeInt64(field: 2, Int64.min) } == hexBytes("10 80808080808080808001"))
        #expect(Self.encoded { $0.writeInt64(field: 2, 77) } == hexBytes("10 4d"))
    }

    @Test("varintSize agrees with the encoder for every bit length")
    func varintSizes() {
        for bits in 0 ... 64 {
            for value in [bits == 0 ? 0 : UInt64(1) << (bits - 1), bits == 64 ? .max : (UInt64(1) << bits) &- 1] {
                #expect(ProtoWriter.varintSize(value) == Self.encoded { $0.writeVarint(value) }.count, "\(value)")
            }
        }
    }

    @Test("keys: field number and wire type")
    func keys() {
        #expect(Self.encoded { $0.writeKey(field: 1, wireType: .fixed64) } == [0x09])
        #expect(Self.encoded { $0.writeKey(field: 5, wireType: .lengthDelimited) } == [0x2A])
        #expect(Self.encoded { $0.writeKey(field: 2, wireType: .fixed32) } == [0x15])
        #expect(Self.encoded { $0.writeKey(field: 15, wireType: .varint) } == [0x78])
        #expect(Self.encoded { $0.writeKey(field: 16, wireType: .varint) } == [0x80, 0x01])
        #expect(Self.encoded { $0.writeKey(field: (1 << 29) - 1, wireType: .fixed32) } == hexBytes("fd ff ff ff 0f"))
    }

    @Test("fixed-width fields are little-endian with the exact bits")
    func fixedWidth() {
        #expect(Self.encoded { $0.writeFloat(field: 2, 0.25) } == hexBytes("15 0000803e"))
        #expect(Self.encoded { $0.writeFloat(field: 2, 0.99) } == hexBytes("15 a4707d3f"))
        #expect(Self.encoded { $0.writeFloat(field: 2, -0.0) } == hexBytes("15 00000080"))
        #expect(Self.encoded { $0.writeDouble(field: 1, 1_599_759_586.0) } == hexBytes("09 0000803899d6d741"))
        #expect(Self.encoded { $0.writeDouble(field: 6, 0.99) } == hexBytes("31 ae47e17a14aeef3f"))
        #expect(Self.encoded { $0.writeFixed32(field: 3, 0x0102_0304) } == hexBytes("1d 04030201"))
        #expect(Self.encoded { $0.writeFixed64(field: 3, 0x0102_0304_0506_0708) } == hexBytes("19 0807060504030201"))
        let nan = Float(bitPattern: 0x7FC0_0001)
        #expect(Self.encoded { $0.writeFloat(field: 2, nan) } == hexBytes("15 0100c07f"))
    }

    @Test("strings and bytes: key, length, content; empty values are still written")
    func lengthDelimited() {
        #expect(Self.encoded { $0.writeString(field: 1, "loss") } == hexBytes("0a 04 6c6f7373"))
        #expect(Self.encoded { $0.writeString(field: 1, "") } == hexBytes("0a 00"))
        #expect(Self.encoded { $0.writeString(field: 1, "é") } == hexBytes("0a 02 c3a9"))
        #expect(Self.encoded { $0.writeBytes(field: 4, [0xA4, 0x70, 0x7D, 0x3F]) } == hexBytes("22 04 a4707d3f"))
        let long = [UInt8](repeating: 0x61, count: 300)
        #expect(Self.encoded { $0.writeBytes(field: 4, long) } == hexBytes("22 ac02") + long)
        #expect(Self.encoded { $0.writeBool(field: 3, true) } == hexBytes("18 01"))
    }

    @Test("nested messages: the length varint grows across 128, 16384 and 2^21 bytes",
          arguments: [0, 1, 126, 127, 128, 129, 300, 16383, 16384, 16385, (1 << 21) - 1, 1 << 21])
    func nested(bodyLength: Int) {
        let body = (0 ..< bodyLength).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var writer = ProtoWriter(capacity: 8)
        writer.writeVarint(field: 1, 5)
        writer.writeMessage(field: 5) { nested in
            nested.writeRawBytes(body)
        }
        writer.writeVarint(field: 2, 9)
        var expected: [UInt8] = [0x08, 0x05, 0x2A]
        var length = UInt64(bodyLength)
        while length >= 0x80 {
            expected.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        expected.append(UInt8(length))
        expected += body + [0x10, 0x09]
        #expect(writer.bytes == expected)
    }

    @Test("messages nested three deep, each needing a longer length than its placeholder")
    func deeplyNested() {
        let leaf = [UInt8](repeating: 0x5A, count: 200)
        let encoded = Self.encoded { outer in
            outer.writeMessage(field: 1) { middle in
                middle.writeMessage(field: 2) { inner in
                    inner.writeBytes(field: 3, leaf)
                }
                middle.writeString(field: 4, "x")
            }
        }
        let level3 = hexBytes("1a c801") + leaf                 // 203 bytes
        let level2 = hexBytes("12 cb01") + level3 + hexBytes("22 01 78")  // 3 + 203 + 3 = 209
        let level1 = hexBytes("0a d101") + level2
        #expect(encoded == level1)
    }

    @Test("packed repeated fields; empty lists write nothing")
    func packed() {
        #expect(Self.encoded { $0.writePackedFloats(field: 5, [Float(0.99)]) } == hexBytes("2a 04 a4707d3f"))
        #expect(Self.encoded { $0.writePackedFloats(field: 5, [Float]()) } == [])
        #expect(Self.encoded { $0.writePackedDoubles(field: 6, [0.99, 1.0]) }
            == hexBytes("32 10 ae47e17a14aeef3f 000000000000f03f"))
        #expect(Self.encoded { $0.writePackedVarints(field: 7, [1, 300, UInt64(bitPattern: -1)]) }
            == hexBytes("3a 0d 01 ac02 ffffffffffffffffff01"))
        #expect(Self.encoded { $0.writePackedVarints(field: 7, [UInt64]()) } == [])
    }

    @Test("growing from the smallest buffer keeps every byte; setFixed32 patches in place")
    func growth() {
        var writer = ProtoWriter(capacity: 1)
        var expected: [UInt8] = []
        for index in 0 ..< 5000 {
            writer.writeVarint(UInt64(index) * 977)
            var value = UInt64(index) * 977
            while value >= 0x80 {
                expected.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            expected.append(UInt8(value))
        }
        #expect(writer.bytes == expected)
        #expect(writer.capacity >= writer.count && writer.count == expected.count)
        writer.setFixed32(0x0403_0201, at: 3)
        expected.replaceSubrange(3 ..< 7, with: [1, 2, 3, 4])
        #expect(writer.bytes == expected)
        writer.removeAll()
        #expect(writer.count == 0 && writer.bytes.isEmpty)
    }

    @Test("a reused writer keeps its buffer: no allocation per message")
    func reuseDoesNotAllocate() {
        var writer = ProtoWriter(capacity: 4096)
        var bases: Set<UInt> = []
        for round in 0 ..< 50 {
            writer.removeAll()
            writer.writeDouble(field: 1, Double(round))
            writer.writeMessage(field: 5) { summary in
                for index in 0 ..< 20 {
                    summary.writeMessage(field: 1) { value in
                        value.writeString(field: 1, "tag_\(index % 3)")
                        value.writeFloat(field: 2, Float(index))
                    }
                }
            }
            #expect(writer.count > 128)  // the summary needed a 2-byte length
            bases.insert(writer.span.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) })
        }
        #expect(bases.count == 1)
    }

    @Test("random fields read back identically through ProtoReader")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 2024)
        for _ in 0 ..< 200 {
            var writer = ProtoWriter()
            var expected: [(UInt32, WireType, UInt64, [UInt8])] = []
            for _ in 0 ..< Int.random(in: 1 ... 12, using: &rng) {
                let field = UInt32.random(in: 1 ... 3000, using: &rng)
                switch Int.random(in: 0 ..< 4, using: &rng) {
                case 0:
                    let value = rng.next() >> UInt64.random(in: 0 ... 63, using: &rng)
                    writer.writeVarint(field: field, value)
                    expected.append((field, .varint, value, []))
                case 1:
                    let value = UInt32(truncatingIfNeeded: rng.next())
                    writer.writeFixed32(field: field, value)
                    expected.append((field, .fixed32, UInt64(value), []))
                case 2:
                    let value = rng.next()
                    writer.writeFixed64(field: field, value)
                    expected.append((field, .fixed64, value, []))
                default:
                    let bytes = (0 ..< Int.random(in: 0 ... 400, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
                    writer.writeBytes(field: field, bytes)
                    expected.append((field, .lengthDelimited, 0, bytes))
                }
            }
            do {
                var reader = ProtoReader(writer.span)
                for (field, wireType, value, bytes) in expected {
                    let key = try reader.readKey()
                    #expect(key.number == field && key.wireType == wireType)
                    switch wireType {
                    case .varint: #expect(try reader.readVarint() == value)
                    case .fixed32: #expect(UInt64(try reader.readFixed32()) == value)
                    case .fixed64: #expect(try reader.readFixed64() == value)
                    default: #expect(try reader.readLengthDelimited().copiedBytes == bytes)
                    }
                }
                let check212 = reader.isAtEnd
                #expect(check212)
            }
        }
    }
}
