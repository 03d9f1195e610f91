import Foundation
import TFRecord
import TFEventsSynthetic

/// Damaged copies of an event file for tests of readers that cut files into
/// ranges (parallel scan, parallel best-model search).
package enum DamagedCopies {
    /// Copies of a generated log with damage placed across and near the cuts
    /// of a parallel scan: flipped bytes, a zeroed stretch, inserted bytes,
    /// a length field made huge, a cut tail.
    package static func write(of bytes: [UInt8], in directory: String) throws -> [String] {
        var variants: [(String, [UInt8])] = [("clean", bytes)]
        var random = SplitMix64(seed: 77)
        for flip in 0 ..< 6 {
            var copy = bytes
            for _ in 0 ... flip { copy[random.nextInt(below: copy.count)] ^= UInt8(1 + random.nextInt(below: 255)) }
            variants.append(("flip\(flip)", copy))
        }
        var zeroed = bytes
        for i in bytes.count / 3 ..< bytes.count / 3 + 5000 { zeroed[i] = 0 }
        variants.append(("zeroed", zeroed))
        var inserted = bytes
        inserted.insert(contentsOf: payloadBytes(333, seed: 5), at: bytes.count / 2)
        variants.append(("inserted", inserted))
        var huge = bytes
        // The first record after the file_version event: its length field
        // now claims far more than the file holds, with a CRC that verifies.
        let second = 16 + Int(bytes[0]) + Int(bytes[1]) << 8
        let length = littleEndianBytes(UInt64(1) << 40)
        huge.replaceSubrange(second ..< second + 8, with: length)
        huge.replaceSubrange(second + 8 ..< second + 12,
                             with: littleEndianBytes(MaskedCRC(crc: CRC32C.checksum(length)).rawValue))
        variants.append(("huge-length", huge))
        variants.append(("cut", Array(bytes.dropLast(9))))
        return try variants.map { name, content in
            let path = directory + "/events.out.tfevents.1.\(name)"
            try Data(content).write(to: URL(fileURLWithPath: path))
            return path
        }
    }
}
