import Testing
import TFEventsSynthetic
@testable import TFRecord

/// Index blocks compressed with a zstd block per byte plane: one ordinary
/// frame that the block decoder reads back, smaller than one block
/// spanning the planes, and the same as the one-shot path when no
/// boundary is worth a block.
@Suite("zstd blocks ending at byte-plane boundaries")
struct ZstdBlockTests {
    /// `count` 32-bit numbers as 4 byte planes, the way ``ColumnCodec``
    /// stores float32 values of a noisy metric: two random low bytes, a
    /// third drawn from 16 values, a constant high byte. Returns the bytes
    /// (after a short prefix, so that planes do not start at 0) and the
    /// planes' starts.
    static func planes(count: Int, prefix: Int = 37) -> (bytes: [UInt8], starts: [Int]) {
        var random = SplitMix64(seed: 99)
        var bytes = (0 ..< prefix).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let start = bytes.count
        for _ in 0 ..< 2 * count { bytes.append(UInt8(truncatingIfNeeded: random.next())) }
        for _ in 0 ..< count { bytes.append(0x40 | UInt8(random.next() % 16)) }
        bytes.append(contentsOf: repeatElement(0x3F, count: count))
        return (bytes, (0 ... 4).map { start + $0 * count })
    }

    @Test("a block per plane reads back byte for byte and is smaller than one block over all planes")
    func planesRoundTrip() throws {
        let context = ZstdBlock.Context()
        for count in [5_000, 58_000, 262_144] {
            let (bytes, starts) = Self.planes(count: count)
            var split: [UInt8] = []
            ZstdBlock.compress(bytes, into: &split, context: context, blockStarts: starts)
            var whole: [UInt8] = []
            ZstdBlock.compress(bytes, into: &whole, context: context)
            #expect(try ZstdBlock.decompress(split, size: bytes.count) == bytes)
            #expect(try ZstdBlock.decompress(whole, size: bytes.count) == bytes)
            // The random planes alone take 2 * count bytes; the 16-valued
            // plane about half a byte a number.
            #expect(split.count < whole.count, "\(count): \(split.count) >= \(whole.count)")
            #expect(split.count < 2 * count + count * 6 / 10, "\(count): \(split.count)")
        }
    }

    @Test("boundaries too close, out of order or outside the input are ignored: the one-shot frame")
    func ignoredBoundaries() throws {
        let context = ZstdBlock.Context()
        let (bytes, _) = Self.planes(count: 3_000)
        var oneShot: [UInt8] = []
        ZstdBlock.compress(bytes, into: &oneShot, context: context)
        // Each too close to the start or the end (the input is 12,037
        // bytes), before the previous one, or outside.
        let useless: [[Int]] = [[], [0], [bytes.count], [-5, 10, 20, 30], [bytes.count + 100, Int.max],
                                [9_000, 2_000]]
        for starts in useless {
            var output: [UInt8] = [1, 2, 3]  // overwritten, not appended to
            ZstdBlock.compress(bytes, into: &output, context: context, blockStarts: starts,
                               minimumStretch: 4_096)
            #expect(output == oneShot, "\(starts)")
        }
        // One usable boundary among unusable ones: a frame of two blocks.
        var two: [UInt8] = []
        ZstdBlock.compress(bytes, into: &two, context: context, blockStarts: [6_000, 3_000, 7_000],
                           minimumStretch: 4_096)
        #expect(two != oneShot)
        #expect(try ZstdBlock.decompress(two, size: bytes.count) == bytes)
        // Empty input: a valid empty frame.
        var empty: [UInt8] = []
        ZstdBlock.compress([], into: &empty, context: context, blockStarts: [0, 0])
        #expect(try ZstdBlock.decompress(empty, size: 0) == [])
    }

    @Test("the context is reused across both paths and many blocks without leaking state between frames")
    func contextReuse() throws {
        let context = ZstdBlock.Context()
        var random = SplitMix64(seed: 3)
        var output: [UInt8] = []
        for round in 0 ..< 40 {
            let count = 4_096 + Int(random.next() % 20_000)
            let (bytes, starts) = Self.planes(count: count, prefix: Int(random.next() % 100))
            if round % 3 == 0 {
                ZstdBlock.compress(bytes, into: &output, context: context)
            } else {
                ZstdBlock.compress(bytes, into: &output, context: context, blockStarts: starts,
                                   minimumStretch: 1 + Int(random.next() % 5_000))
            }
            #expect(try ZstdBlock.decompress(output, size: bytes.count) == bytes, "round \(round)")
        }
    }
}
