import TFRecord

/// The on-disk layout of an index file.
///
///     header   16 bytes   "TFEVIDX\0", format version (UInt32 LE), 0 (UInt32)
///     segment  32 bytes   magic "SEGM", kind, compressed length (UInt64),
///                         uncompressed length (UInt64), masked CRC-32C of the
///                         compressed payload, masked CRC-32C of these 28 bytes
///              N bytes    zstd-compressed payload
///     ...      more segments
///     trailer  32 bytes   "TFEVTRL\0", offset of the newest manifest segment,
///                         length of the file up to the trailer, masked CRC-32C
///                         of these 24 bytes, 0
///
/// Segments are chunks (one stretch of one event file's points, columnar)
/// and manifests (the file table: identities, offsets read, tags, and where
/// each file's chunks are). An update appends the new chunks and a new
/// manifest in place of the old trailer, then a new trailer; a full write
/// (first build, rebuild, compaction) goes to a temporary file that is
/// synced and renamed into place. Every byte read back is checked against a
/// CRC before it is used.
package enum IndexFileFormat {
    static let magic: [UInt8] = Array("TFEVIDX\0".utf8)
    static let trailerMagic: [UInt8] = Array("TFEVTRL\0".utf8)
    static let segmentMagic: UInt32 = 0x4D47_4553  // "SEGM" little-endian
    /// Bumped whenever the layout or a block encoding changes; an index of
    /// another version is rebuilt.
    static let version: UInt32 = 6  // 3: typed scalar encodings, extremes once per event, malformed values; 4: prefix fingerprints; 5: record offsets as gaps; 6: event signatures, values grouped by tag, wall times in microseconds
    static let headerLength = 16
    static let segmentHeaderLength = 32
    static let trailerLength = 32
    /// Largest segment accepted, compressed or uncompressed: 1 GiB. A
    /// manifest of a million event files with a hundred tags each is about
    /// 300 MiB; chunks hold at most ``IndexOptions/chunkPointLimit`` points
    /// (a few MiB). A header claiming more (with a valid checksum, so not
    /// damage but a file from elsewhere) is rejected with
    /// ``IndexError/Kind/segmentTooLarge(length:limit:offset:)`` before
    /// anything is read or allocated.
    static let maxSegmentLength = 1 << 30

    /// A verified segment header declares more than ``maxSegmentLength``.
    struct SegmentTooLarge: Error {
        var length: UInt64
    }

    package enum SegmentKind: UInt32 {
        case chunk = 1
        case manifest = 2
    }

    package static func header() -> [UInt8] {
        var bytes = magic
        append32(&bytes, version)
        append32(&bytes, 0)
        return bytes
    }

    struct SegmentHeader: Equatable {
        var kind: UInt32
        var compressedLength: Int
        var uncompressedLength: Int
        var payloadCRC: UInt32
    }

    package static func segmentHeader(kind: SegmentKind, compressed: [UInt8], uncompressedLength: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        append32(&bytes, segmentMagic)
        append32(&bytes, kind.rawValue)
        append64(&bytes, UInt64(compressed.count))
        append64(&bytes, UInt64(uncompressedLength))
        append32(&bytes, maskedCRC(compressed))
        append32(&bytes, maskedCRC(bytes))
        return bytes
    }

    /// Parses and verifies a segment header: nil when it is not one.
    ///
    /// - Throws: ``SegmentTooLarge`` for a verified header past the limit.
    static func parseSegmentHeader(_ bytes: [UInt8]) throws(SegmentTooLarge) -> SegmentHeader? {
        guard bytes.count == segmentHeaderLength,
              read32(bytes, 0) == segmentMagic,
              read32(bytes, 28) == maskedCRC(Array(bytes[0 ..< 28])) else { return nil }
        let compressed = read64(bytes, 8), uncompressed = read64(bytes, 16)
        guard compressed <= UInt64(maxSegmentLength), uncompressed <= UInt64(maxSegmentLength) else {
            throw SegmentTooLarge(length: max(compressed, uncompressed))
        }
        return SegmentHeader(kind: read32(bytes, 4), compressedLength: Int(compressed),
                             uncompressedLength: Int(uncompressed), payloadCRC: read32(bytes, 24))
    }

    package static func trailer(manifestOffset: Int, length: Int) -> [UInt8] {
        var bytes = trailerMagic
        append64(&bytes, UInt64(manifestOffset))
        append64(&bytes, UInt64(length))
        append32(&bytes, maskedCRC(bytes))
        append32(&bytes, 0)
        return bytes
    }

    /// Parses and verifies a trailer: (manifest offset, length before trailer).
    static func parseTrailer(_ bytes: [UInt8]) -> (manifestOffset: Int, length: Int)? {
        guard bytes.count == trailerLength, Array(bytes[0 ..< 8]) == trailerMagic,
              read32(bytes, 24) == maskedCRC(Array(bytes[0 ..< 24])) else { return nil }
        let manifest = read64(bytes, 8), length = read64(bytes, 16)
        guard manifest < UInt64(Int.max), length < UInt64(Int.max) else { return nil }
        return (Int(manifest), Int(length))
    }

    static func maskedCRC(_ bytes: [UInt8]) -> UInt32 {
        MaskedCRC.compute(bytes).rawValue
    }

    static func append32(_ bytes: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func append64(_ bytes: inout [UInt8], _ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0 ..< 4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }

    static func read64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0 ..< 8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
    }
}
