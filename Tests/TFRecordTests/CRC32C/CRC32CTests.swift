import CTFEventsCRC
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// One way of computing CRC-32C: a backend called directly, or the public
/// entry point that dispatches to ``CRC32C/Backend/active``.
enum CRCImplementation: Sendable, CustomTestStringConvertible {
    case backend(CRC32C.Backend)
    case dispatch

    static var all: [CRCImplementation] { CRC32C.Backend.available.map { .backend($0) } + [.dispatch] }

    func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        switch self {
        // The public form takes a span: check both the span and the pointer form.
        case .backend(let backend):
            let viaSpan = backend.extend(crc, RawSpan(_unsafeBytes: bytes))
            let viaPointer = backend.extend(crc, unsafeBytes: bytes)
            precondition(viaSpan == viaPointer)
            return viaPointer
        case .dispatch: return CRC32C.extend(crc, RawSpan(_unsafeBytes: bytes))
        }
    }

    func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { extend(0, $0) }
    }

    var testDescription: String {
        switch self {
        case .backend(let backend): return backend.rawValue
        case .dispatch: return "CRC32C.extend (\(CRC32C.Backend.active))"
        }
    }
}

/// Every backend this CPU runs, and the public dispatch, against the same
/// expectations (google/crc32c's typed-test approach).
@Suite("CRC32C")
struct CRC32CTests {
    /// FORMAT §1.4: input, plain CRC-32C, masked CRC.
    static let vectors: [(name: String, bytes: [UInt8], crc: UInt32, masked: UInt32)] = [
        ("empty", [], 0x0000_0000, 0xA282_EAD8),
        ("a", Array("a".utf8), 0xC1D0_4330, 0x28E4_6E78),
        ("123456789", Array("123456789".utf8), 0xE306_9283, 0xC78A_B0E5),
        ("32 x 00", [UInt8](repeating: 0, count: 32), 0x8A91_36AA, 0x0FD7_FFFA),
        ("32 x FF", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43, 0xF909_B029),
        ("00...1F", Array(0 ... 31), 0x46DD_794E, 0x951F_7892),
        ("1F...00", Array((0 ... 31).reversed()), 0x113F_DB5C, 0x593B_0D57),
        ("quick brown fox", Array("The quick brown fox jumps over the lazy dog".utf8), 0x2262_0404, 0xAA8B_2F9C),
    ]

    /// FORMAT §1.4: inputs given with their masked CRC only.
    static let maskedVectors: [(name: String, bytes: [UInt8], masked: UInt32)] = [
        ("u64 LE 0 (empty record header)", [UInt8](repeating: 0, count: 8), 0x0798_0329),
        ("u64 LE 24", [0x18, 0, 0, 0, 0, 0, 0, 0], 0x224B_7FA3),
        ("1a 11 + \"CRC test, one two\"", [0x1A, 0x11] + Array("CRC test, one two".utf8), 0x5794_D08A),
    ]

    /// A 64-byte-aligned buffer of deterministic random bytes, so that
    /// `buffer[a...]` starts exactly `a` bytes past an aligned address.
    final class AlignedRandomBuffer: @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        init(count: Int, seed: UInt64) {
            bytes = .allocate(byteCount: count, alignment: 64)
            var random = SplitMix64(seed: seed)
            for index in 0 ..< count { bytes[index] = UInt8(truncatingIfNeeded: random.next()) }
        }
        deinit { bytes.deallocate() }
        func slice(_ start: Int, _ count: Int) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[start ..< start + count])
        }
    }

    static let random = AlignedRandomBuffer(count: 3 << 20, seed: 0xC4C3_2C)

    // MARK: Vectors

    @Test("FORMAT §1.4 vectors, plain and masked", arguments: CRCImplementation.all)
    func vectors(implementation: CRCImplementation) {
        for vector in Self.vectors {
            let crc = implementation.checksum(vector.bytes)
            #expect(crc == vector.crc, "\(vector.name)")
            #expect(MaskedCRC(crc: crc).rawValue == vector.masked, "\(vector.name)")
            #expect(MaskedCRC(rawValue: vector.masked).unmasked == vector.crc, "\(vector.name)")
        }
        for vector in Self.maskedVectors {
            #expect(MaskedCRC(crc: implementation.checksum(vector.bytes)).rawValue == vector.masked, "\(vector.name)")
        }
    }

    @Test("extending over an empty buffer (even without a base address) changes nothing",
          arguments: CRCImplementation.all)
    func emptyExtend(implementation: CRCImplementation) {
        for crc: UInt32 in [0, 1, 0xE306_9283, .max] {
            #expect(implementation.extend(crc, UnsafeRawBufferPointer(start: nil, count: 0)) == crc)
            #expect(implementation.extend(crc, Self.random.slice(5, 0)) == crc)
        }
    }

    @Test("extend over every (i, j) split of a 48-byte buffer equals one pass", arguments: CRCImplementation.all)
    func splits(implementation: CRCImplementation) {
        let bytes = Array(Self.random.slice(0, 48))
        let whole = implementation.checksum(bytes)
        #expect(whole == CRC32C.Backend.portable.extend(0, unsafeBytes: Self.random.slice(0, 48)))
        bytes.withUnsafeBytes { buffer in
            for i in 0 ... 48 {
                let head = implementation.extend(0, UnsafeRawBufferPointer(rebasing: buffer[..<i]))
                #expect(implementation.extend(head, UnsafeRawBufferPointer(rebasing: buffer[i...])) == whole, "split \(i)")
                for j in i ... 48 {
                    let middle = implementation.extend(head, UnsafeRawBufferPointer(rebasing: buffer[i ..< j]))
                    #expect(implementation.extend(middle, UnsafeRawBufferPointer(rebasing: buffer[j...])) == whole,
                            "splits \(i), \(j)")
                }
            }
        }
        // "hello " + "world"
        let hello = Array("hello ".utf8), world = Array("world".utf8)
        let helloCRC = implementation.checksum(hello)
        #expect(world.withUnsafeBytes { implementation.extend(helloCRC, $0) } == implementation.checksum(hello + world))
    }

    // MARK: Agreement on random data

    @Test("every length 0...4096 at every alignment 0...15 agrees with the other backends",
          arguments: CRCImplementation.all)
    func randomLengthsAndAlignments(implementation: CRCImplementation) {
        let hasSingle = CRC32C.Backend.available.contains(.sse42)
        var mismatches = 0
        for alignment in 0 ..< 16 {
            for length in 0 ... 4096 {
                let slice = Self.random.slice(alignment, length)
                let crc = implementation.extend(0x1234_5678, slice)
                let reference = hasSingle
                    ? tfe_crc32c_sse42_single(0x1234_5678, slice.baseAddress, length)
                    : CRC32C.Backend.portable.extend(0x1234_5678, unsafeBytes: slice)
                if crc != reference {
                    mismatches += 1
                    if mismatches <= 5 { Issue.record("length \(length), alignment \(alignment): \(hex32(crc)) != \(hex32(reference))") }
                }
                if hasSingle && length % 64 == 0 {
                    // The reference itself against the portable code, now and then.
                    #expect(reference == CRC32C.Backend.portable.extend(0x1234_5678, unsafeBytes: slice))
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// Lengths at and around the interleaving tiers of the hardware kernels
    /// (three streams of 64, 512 and 8192 bytes), and long buffers that go
    /// through every tier.
    static let tierLengths: [Int] = {
        var lengths: [Int] = []
        for block in [64, 512, 8192] {
            for multiple in [1, 2, 3] {
                let base = 3 * block * multiple
                lengths += [base - 9, base - 8, base - 1, base, base + 1, base + 7, base + 8, base + 9]
            }
        }
        lengths += [3 * 8192 + 3 * 512 + 3 * 64 + 8 + 4 + 3, 3 * 8192 * 5 + 3 * 512 * 2 + 3 * 64 * 2 + 15,
                    100_003, 1 << 20, (1 << 20) + 13, 3 << 20 - 16]
        return lengths
    }()

    @Test("long buffers and tier boundaries (3x64, 3x512, 3x8192) agree at every alignment",
          arguments: CRCImplementation.all)
    func tierBoundaries(implementation: CRCImplementation) {
        for length in Self.tierLengths {
            for alignment in 0 ..< 16 {
                let slice = Self.random.slice(alignment, length)
                let portable = CRC32C.Backend.portable.extend(0xFFFF_FFFF, unsafeBytes: slice)
                #expect(implementation.extend(0xFFFF_FFFF, slice) == portable, "length \(length), alignment \(alignment)")
                if CRC32C.Backend.available.contains(.sse42) {
                    #expect(tfe_crc32c_sse42_single(0xFFFF_FFFF, slice.baseAddress, length) == portable)
                }
            }
        }
    }

    @Test("a long buffer cut at random points extends to the one-pass result", arguments: CRCImplementation.all)
    func longSplits(implementation: CRCImplementation) {
        let whole = Self.random.slice(3, (1 << 20) + 5)
        let expected = implementation.extend(0, whole)
        var random = SplitMix64(seed: 17)
        for _ in 0 ..< 20 {
            var crc: UInt32 = 0
            var start = 0
            while start < whole.count {
                let count = min(whole.count - start, Int.random(in: 0 ... 70_000, using: &random))
                crc = implementation.extend(crc, UnsafeRawBufferPointer(rebasing: whole[start ..< start + count]))
                start += count
            }
            #expect(crc == expected)
        }
    }

    @Test("a record's two CRCs in one call equal two separate extends", arguments: CRC32C.Backend.available)
    func recordChecksums(backend: CRC32C.Backend) {
        for alignment in 0 ..< 8 {
            for payloadLength in 0 ... 600 {
                let record = Self.random.slice(alignment, 12 + payloadLength)
                guard let base = record.baseAddress else { continue }
                let (length, payload) = backend.recordChecksums(base, payloadLength: payloadLength)
                #expect(length == CRC32C.Backend.portable.extend(0, unsafeBytes: Self.random.slice(alignment, 8)))
                #expect(payload == CRC32C.Backend.portable.extend(0, unsafeBytes: Self.random.slice(alignment + 12, payloadLength)))
            }
        }
        // FORMAT §1.4 R1: length CRC masks to 0x224B7FA3, payload CRC to 0xAB364B12.
        SpecRecords.r1.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            let (length, payload) = backend.recordChecksums(base, payloadLength: 24)
            #expect(MaskedCRC(crc: length).rawValue == 0x224B_7FA3)
            #expect(MaskedCRC(crc: payload).rawValue == 0xAB36_4B12)
        }
    }

    // MARK: Combine, tables, masking

    @Test("combine(crc(a), crc(b), |b|) == crc(a + b)")
    func combine() {
        var random = SplitMix64(seed: 23)
        for _ in 0 ..< 200 {
            let lengthA = Int.random(in: 0 ... 5000, using: &random)
            let lengthB = [0, 1, 7, 64, 4096, 100_000][Int.random(in: 0 ..< 6, using: &random)]
            let start = Int.random(in: 0 ..< 1000, using: &random)
            let a = Self.random.slice(start, lengthA)
            let b = Self.random.slice(start + lengthA, lengthB)
            let both = Self.random.slice(start, lengthA + lengthB)
            #expect(CRC32C.combine(CRC32C.checksum(a), CRC32C.checksum(b), lengthB: lengthB) == CRC32C.checksum(both))
        }
        #expect(CRC32C.combine(CRC32C.checksum(Array("hello ".utf8)), CRC32C.checksum(Array("world".utf8)), lengthB: 5)
            == CRC32C.checksum(Array("hello world".utf8)))
    }

    @Test("multiplication modulo P: x^0 is the identity, x^(8n) moves a register past n zero bytes")
    func polynomialArithmetic() {
        var random = SplitMix64(seed: 29)
        for _ in 0 ..< 100 {
            let a = UInt32(truncatingIfNeeded: random.next())
            let b = UInt32(truncatingIfNeeded: random.next())
            #expect(tfe_crc32c_multiply(a, 0x8000_0000) == a)
            #expect(tfe_crc32c_multiply(a, b) == tfe_crc32c_multiply(b, a))
        }
        // Shifting the register of crc("a") past 9 zero bytes = extending with them.
        let zeros = [UInt8](repeating: 0, count: 9)
        let crcA: UInt32 = 0xC1D0_4330
        let extended = zeros.withUnsafeBytes { CRC32C.Backend.portable.extend(crcA, unsafeBytes: $0) }
        // A zero byte updates the register linearly (no constant term), and
        // the register is the inverted CRC: ~crc(a + zeros) = ~crc(a) * x^72.
        #expect(~extended == tfe_crc32c_multiply(~crcA, tfe_crc32c_zeros_factor(9)))
        #expect(tfe_crc32c_zeros_factor(0) == 0x8000_0000)
    }

    @Test("slicing table: spot values and the byte-wise definition")
    func tables() {
        #expect(CRC32C.tableEntry(slice: 0, byte: 1) == 0xF26B_8303)
        #expect(CRC32C.tableEntry(slice: 0, byte: 128) == 0x82F6_3B78)
        #expect(CRC32C.tableEntry(slice: 0, byte: 255) == 0xAD7D_5351)
        for byte in 0 ..< 256 {
            var c = UInt32(byte)
            for _ in 0 ..< 8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            #expect(CRC32C.tableEntry(slice: 0, byte: byte) == c)
            for slice in 1 ..< 16 {
                let previous = CRC32C.tableEntry(slice: slice - 1, byte: byte)
                #expect(CRC32C.tableEntry(slice: slice, byte: byte)
                    == CRC32C.tableEntry(slice: 0, byte: Int(previous & 0xFF)) ^ (previous >> 8))
            }
        }
    }

    @Test("mask and unmask are inverse permutations; masking is rotr 15 plus 0xA282EAD8")
    func masking() {
        var random = SplitMix64(seed: 31)
        for _ in 0 ..< 10_000 {
            let crc = UInt32(truncatingIfNeeded: random.next())
            let masked = MaskedCRC(crc: crc)
            #expect(masked.unmasked == crc)
            #expect(masked.rawValue == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
            #expect(MaskedCRC(crc: MaskedCRC(rawValue: crc).unmasked).rawValue == crc)
        }
        #expect(MaskedCRC(rawValue: 0x224B_7FA3).description == "0x224b7fa3")
        #expect(MaskedCRC(crc: 0).rawValue == 0xA282_EAD8)
    }

    @Test("the active backend is available; the byte-sequence convenience agrees")
    func dispatch() {
        #expect(CRC32C.Backend.available.first == .portable)
        #expect(CRC32C.Backend.available.contains(CRC32C.Backend.active))
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum("123456789".utf8) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }
}
