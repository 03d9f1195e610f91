import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Decodes `bytes` with a closure over a fresh reader.
private func withReader<R>(_ bytes: [UInt8], _ body: (inout ProtoReader) throws -> R) rethrows -> R {
    var reader = ProtoReader(bytes.rawSpan)
    return try body(&reader)
}

/// Encodes a varint, for building test inputs.
func varintBytes(_ value: UInt64) -> [UInt8] {
    var value = value
    var out: [UInt8] = []
    repeat {
        var byte = UInt8(value & 0x7F)
        value >>= 7
        if value != 0 { byte |= 0x80 }
        out.append(byte)
    } while value != 0
    return out
}

@Suite("Protobuf wire reader")
struct ProtoReaderTests {
    @Test("varints: one-byte fast path, multi-byte, the 10-byte maximum, -1 as int64")
    func varints() throws {
        for value: UInt64 in [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), 1 << 56, UInt64.max] {
            let decoded = try withReader(varintBytes(value)) { reader -> UInt64 in
                let v = try reader.readVarint()
                let check34 = reader.isAtEnd
                #expect(check34)
                return v
            }
            #expect(decoded == value)
        }
        let minusOne: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(try withReader(minusOne) { Int64(bitPattern: try $0.readVarint()) } == -1)
    }

    @Test("varints decoded a word at a time equal a byte loop: every length, non-minimal forms, bytes after them")
    func wordVarints() throws {
        /// The reference: one byte at a time, at most 10.
        func byteLoop(_ bytes: [UInt8]) -> (UInt64, Int)? {
            var value: UInt64 = 0
            for (i, byte) in bytes.prefix(10).enumerated() {
                value |= UInt64(byte & 0x7F) << (7 * UInt64(i))
                if byte < 0x80 { return (value, i + 1) }
            }
            return nil
        }
        var random = SplitMix64(seed: 9)
        var checked = 0
        for bits in 0 ... 64 {
            for _ in 0 ..< 40 {
                let value = bits == 0 ? 0 : (random.next() >> (64 - UInt64(bits))) | (1 << (UInt64(bits) - 1))
                var encoded = varintBytes(value)
                if random.nextInt(below: 4) == 0, encoded.count < 9 {  // a non-minimal form: 0x80 ... 0x00
                    encoded[encoded.count - 1] |= 0x80
                    encoded.append(0)
                }
                let tail = (0 ..< random.nextInt(below: 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let bytes = encoded + tail
                let expected = try #require(byteLoop(bytes))
                #expect(expected.0 == value && expected.1 == encoded.count)
                let decoded = try withReader(bytes) { reader -> (UInt64, Int) in
                    (try reader.readVarint(), reader.offset)
                }
                #expect(decoded == expected, "\(bytes)")
                let short = ShortForm(bytes.rawSpan).varint(at: 0)
                #expect(short.map { $0 == expected } == true, "\(bytes)")
                if bytes.count >= 8 {
                    let word = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * $1.0) }
                    let decodedWord = Varint.decode(word)
                    #expect(encoded.count <= 8 ? decodedWord.map { $0 == expected } == true : decodedWord == nil,
                            "\(bytes)")
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)  // the word path ran, not only the byte loop
    }

    @Test("an 11-byte varint is malformed; a cut varint is truncated; both with offsets")
    func badVarints() {
        let eleven = [UInt8](repeating: 0x80, count: 10) + [0x01]
        #expect(throws: ProtoDecodingError(kind: .malformedVarint, offset: 0)) {
            try withReader(eleven) { _ = try $0.readVarint() }
        }
        #expect(throws: ProtoDecodingError(kind: .truncated, offset: 0)) {
            try withReader([0x96]) { _ = try $0.readVarint() }
        }
    }

    @Test("keys: wire types 6 and 7 and field 0 are rejected")
    func keys() throws {
        let key = try withReader([0x0A]) { try $0.readKey() }
        #expect(key == FieldKey(number: 1, wireType: .lengthDelimited))
        // Errors point at the first byte of the bad key.
        #expect(throws: ProtoDecodingError(kind: .invalidWireType(6), offset: 0)) {
            try withReader([0x0E]) { _ = try $0.readKey() }
        }
        #expect(throws: ProtoDecodingError(kind: .invalidFieldNumber, offset: 2)) {
            try withReader([0x08, 0x01, 0x00]) { reader in
                _ = try reader.readKey()
                _ = try reader.readVarint()
                _ = try reader.readKey()
            }
        }
        #expect(throws: ProtoDecodingError(kind: .invalidWireType(7), offset: 0)) {
            try withReader([0xFF, 0x01]) { reader in try reader.skipField(raw: try reader.readRawKey()) }
        }
    }

    @Test("fixed32/64 little-endian, and truncation")
    func fixed() throws {
        let value = try withReader([0x00, 0x00, 0x80, 0x3E]) { try $0.readFixed32() }
        #expect(Float(bitPattern: value) == 0.25)
        let double = try withReader([0, 0, 0, 0, 0, 0, 0xF0, 0x3F]) { try $0.readFixed64() }
        #expect(Double(bitPattern: double) == 1.0)
        #expect(throws: ProtoDecodingError(kind: .truncated, offset: 0)) {
            try withReader([0, 0, 0]) { _ = try $0.readFixed32() }
        }
    }

    @Test("length-delimited slices do not copy and are bounds-checked")
    func lengthDelimited() throws {
        let bytes: [UInt8] = [0x03, 0x61, 0x62, 0x63, 0x99]
        do {
            let raw = bytes.rawSpan
            var reader = ProtoReader(raw)
            let slice = try reader.readLengthDelimited()
            let check1 = raw.byteOffsets(of: slice) == 1 ..< 4
            #expect(check1)  // points into the input
            #expect(slice.copiedBytes == [0x61, 0x62, 0x63])
            #expect(reader.offset == 4)
        }
        #expect(throws: ProtoDecodingError(kind: .lengthOutOfBounds(5), offset: 1)) {
            try withReader([0x05, 0x61]) { _ = try $0.readLengthDelimited() }
        }
        // A length of 2^63 must not overflow anything.
        let huge = varintBytes(1 << 63)
        #expect(throws: ProtoDecodingError(kind: .lengthOutOfBounds(1 << 63), offset: huge.count)) {
            try withReader(huge) { _ = try $0.readLengthDelimited() }
        }
    }

    @Test("unknown fields of every wire type are skipped, groups included")
    func skipping() throws {
        // field 10 varint, field 11 fixed64, field 12 bytes, field 13 group
        // holding field 1 varint and a nested group 2, field 14 fixed32,
        // then field 1 varint 7 which we want.
        var bytes: [UInt8] = [0x50, 0x96, 0x01]
        bytes += [0x59] + [UInt8](repeating: 0xAA, count: 8)
        bytes += [0x62, 0x02, 0x01, 0x02]
        bytes += [0x6B, 0x08, 0x05, 0x13, 0x14, 0x6C]
        bytes += [0x75, 0x01, 0x02, 0x03, 0x04]
        bytes += [0x08, 0x07]
        let found = try withReader(bytes) { reader -> UInt64? in
            while !reader.isAtEnd {
                let key = try reader.readKey()
                if key.number == 1 { return try reader.readVarint() }
                try reader.skipField(key)
            }
            return nil
        }
        #expect(found == 7)
    }

    @Test("groups: unmatched end, truncated group, and the nesting limit")
    func groups() {
        #expect(throws: ProtoDecodingError.self) { try withReader([0x0C]) { try $0.skipField(try $0.readKey()) } }
        #expect(throws: ProtoDecodingError.self) { try withReader([0x0B, 0x08]) { try $0.skipField(try $0.readKey()) } }
        let deep = [UInt8](repeating: 0x0B, count: 100) + [UInt8](repeating: 0x0C, count: 100)
        #expect(throws: ProtoDecodingError(kind: .nestingTooDeep(limit: ProtoReader.maxNestingDepth), offset: 65)) {
            try withReader(deep) { try $0.skipField(try $0.readKey()) }
        }
        let ok = [UInt8](repeating: 0x0B, count: 10) + [UInt8](repeating: 0x0C, count: 10)
        #expect(throws: Never.self) { try withReader(ok) { try $0.skipField(try $0.readKey()) } }
    }

    @Test("random bytes never trap and errors stay inside the input")
    func randomInput() {
        var rng = SplitMix64(seed: 42)
        for length in 0 ..< 300 {
            let bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            do {
                try withReader(bytes) { reader in
                    while !reader.isAtEnd { try reader.skipField(try reader.readKey()) }
                }
            } catch let error as ProtoDecodingError {
                #expect(error.offset >= 0 && error.offset <= length)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
