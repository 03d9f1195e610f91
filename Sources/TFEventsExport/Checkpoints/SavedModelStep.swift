import TFRecord
import TFEventsCore
import TFEventsSystem

/// The global step a SavedModel export was made from, read from its
/// variables: what an export written by TensorFlow (without our
/// `export_manifest`) can tell about itself.
///
/// Estimator saves the `global_step` variable into every export's
/// `variables/variables.index` + `variables.data-*-of-*` (a TensorBundle,
/// `tensorflow/core/util/tensor_bundle/tensor_bundle.cc`). The index is a
/// LevelDB-format table (`tensorflow/core/lib/io/table_builder.cc`),
/// written uncompressed, mapping tensor names to `BundleEntryProto`
/// (dtype, shape, shard, offset, size, masked CRC-32C of the bytes).
///
/// Only what is needed is read, and every step is checked: the table's
/// magic, block bounds, an uncompressed block, a scalar `DT_INT64` or
/// `DT_INT32` entry named exactly `global_step`, and the masked CRC of its
/// bytes in the data shard. Anything else gives nil ("unknown"), never a
/// guess. Cost: the index file and the few bytes of the entry.
package enum SavedModelStep {
    /// The `global_step` saved in the export at `exportDirectory`, or nil.
    package static func read(exportDirectory: String) -> Int64? {
        let variables = FilePaths.join(exportDirectory, "variables")
        guard let index = try? FileOperations.readFile(FilePaths.join(variables, "variables.index"), limit: indexLimit),
              let entry = entry(named: "global_step", inTable: index) else { return nil }
        // variables.data-<shard>-of-<count>, five digits each.
        guard let names = try? Directories.list(variables) else { return nil }
        let prefix = "variables.data-" + CheckpointLocator.shardNumber(entry.shard) + "-of-"
        // Only the entry's bytes are read (a shard can be gigabytes), from a
        // regular file that holds them.
        guard let name = names.first(where: { $0.hasPrefix(prefix) }), entry.isScalar, entry.size <= 8,
              entry.offset >= 0, entry.size >= 0,
              let bytes = try? FileOperations.readRange(FilePaths.join(variables, name), offset: entry.offset, count: entry.size),
              bytes.count == entry.size else { return nil }
        var located = entry
        located.offset = 0
        return value(of: located, in: bytes)
    }

    /// The largest `variables.index` read: 64 MiB (a model with a hundred
    /// thousand variables has an index of a few MiB).
    static let indexLimit = 64 << 20

    /// Where a tensor is in the data shards (`BundleEntryProto`).
    struct Entry: Equatable {
        var dataType: Int
        var isScalar: Bool
        var shard: Int
        var offset: Int
        var size: Int
        var maskedCRC: UInt32?
    }

    /// `DT_INT32` and `DT_INT64` in `types.proto`.
    static let int32Type = 3, int64Type = 9

    /// The integer in `data` that `entry` locates, after checking its CRC.
    static func value(of entry: Entry, in data: [UInt8]) -> Int64? {
        guard entry.isScalar, entry.offset >= 0, entry.offset <= data.count, entry.size <= data.count - entry.offset,
              let crc = entry.maskedCRC else { return nil }
        let bytes = Array(data[entry.offset ..< entry.offset + entry.size])
        let actual = MaskedCRC.compute(bytes)
        guard actual.rawValue == crc else { return nil }
        switch (entry.dataType, entry.size) {
        case (int64Type, 8):
            return Int64(bitPattern: bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        case (int32Type, 4):
            return Int64(Int32(bitPattern: bytes.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
        default:
            return nil
        }
    }

    // MARK: - Table

    /// Footer: metaindex handle, index handle (varints, padded to 40
    /// bytes), then the 8-byte magic.
    static let footerLength = 48
    static let magic: UInt64 = 0xdb47_7524_8b80_fb57
    /// Each block is followed by a compression type byte and a CRC.
    static let blockTrailerLength = 5

    /// The entry stored under `name` in a table, or nil.
    static func entry(named name: String, inTable table: [UInt8]) -> Entry? {
        guard table.count >= footerLength else { return nil }
        var footer = Cursor(table, from: table.count - footerLength, to: table.count)
        guard footer.fixed64(at: table.count - 8) == magic,
              footer.varint() != nil, footer.varint() != nil,  // metaindex handle
              let indexOffset = footer.varint(), let indexSize = footer.varint(),
              let indexBlock = block(table, offset: indexOffset, size: indexSize) else { return nil }
        let wanted = Array(name.utf8)
        // The index block maps the last key of each data block to its handle.
        for (_, handle) in entries(of: indexBlock, in: table) {
            var cursor = Cursor(table, from: handle.lowerBound, to: handle.upperBound)
            guard let offset = cursor.varint(), let size = cursor.varint(),
                  let dataBlock = block(table, offset: offset, size: size) else { return nil }
            for (key, value) in entries(of: dataBlock, in: table) where key == wanted {
                return bundleEntry(table, value)
            }
        }
        return nil
    }

    /// The bounds of an uncompressed block, checked against the table.
    static func block(_ table: [UInt8], offset: UInt64, size: UInt64) -> Range<Int>? {
        guard offset < UInt64(table.count), size <= UInt64(table.count) - offset,
              UInt64(table.count) - offset - size >= UInt64(blockTrailerLength) else { return nil }
        let start = Int(offset), end = Int(offset + size)
        guard table[end] == 0 else { return nil }  // compressed: not written by TensorBundle
        return start ..< end
    }

    /// The keys (prefix-decompressed) and value ranges of a block.
    static func entries(of block: Range<Int>, in table: [UInt8]) -> [(key: [UInt8], value: Range<Int>)] {
        // Block: entries, then uint32 restart offsets, then their count.
        guard block.count >= 4 else { return [] }
        var countCursor = Cursor(table, from: block.upperBound - 4, to: block.upperBound)
        guard let restarts = countCursor.fixed32(), Int(restarts) <= (block.count - 4) / 4 else { return [] }
        let entriesEnd = block.upperBound - 4 - 4 * Int(restarts)
        var cursor = Cursor(table, from: block.lowerBound, to: entriesEnd)
        var key: [UInt8] = []
        var result: [(key: [UInt8], value: Range<Int>)] = []
        while !cursor.isAtEnd {
            guard let shared = cursor.varint(), let unshared = cursor.varint(), let length = cursor.varint(),
                  shared <= UInt64(key.count), let delta = cursor.bytes(unshared), let value = cursor.bytes(length)
            else { return result }
            key = Array(key[0 ..< Int(shared)]) + table[delta]
            result.append((key, value))
        }
        return result
    }

    /// Decodes a `BundleEntryProto`: dtype 1, shape 2, shard_id 3,
    /// offset 4, size 5, crc32c 6 (fixed32); other fields skipped.
    static func bundleEntry(_ table: [UInt8], _ range: Range<Int>) -> Entry? {
        var cursor = Cursor(table, from: range.lowerBound, to: range.upperBound)
        var entry = Entry(dataType: 0, isScalar: true, shard: 0, offset: 0, size: 0, maskedCRC: nil)
        while !cursor.isAtEnd {
            guard let key = cursor.varint() else { return nil }
            switch (key >> 3, key & 7) {
            case (1, 0): guard let v = cursor.varint() else { return nil }; entry.dataType = Int(truncatingIfNeeded: v)
            case (2, 2):
                // TensorShapeProto: any dim (field 2) makes it non-scalar.
                guard let length = cursor.varint(), let shape = cursor.bytes(length) else { return nil }
                var inner = Cursor(table, from: shape.lowerBound, to: shape.upperBound)
                while !inner.isAtEnd {
                    guard let k = inner.varint() else { return nil }
                    if k >> 3 == 2 { entry.isScalar = false }
                    guard inner.skip(wireType: k & 7) else { return nil }
                }
            case (3, 0): guard let v = cursor.varint(), v < 100_000 else { return nil }; entry.shard = Int(v)
            case (4, 0): guard let v = cursor.varint(), v < UInt64(Int.max) else { return nil }; entry.offset = Int(v)
            case (5, 0): guard let v = cursor.varint(), v < UInt64(Int.max) else { return nil }; entry.size = Int(v)
            case (6, 5): guard let v = cursor.fixed32() else { return nil }; entry.maskedCRC = v
            default: guard cursor.skip(wireType: key & 7) else { return nil }
            }
        }
        return entry
    }

    /// A bounds-checked reader over part of a byte array.
    struct Cursor {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        init(_ bytes: [UInt8], from start: Int, to end: Int) {
            self.bytes = bytes
            position = max(0, start)
            self.end = min(end, bytes.count)
        }

        var isAtEnd: Bool { position >= end }

        mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < end, shift < 64 {
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }

        mutating func fixed32() -> UInt32? {
            guard end - position >= 4 else { return nil }
            defer { position += 4 }
            return (0 ..< 4).reduce(UInt32(0)) { $0 | UInt32(bytes[position + $1]) << (8 * UInt32($1)) }
        }

        func fixed64(at offset: Int) -> UInt64? {
            guard offset >= 0, offset + 8 <= bytes.count else { return nil }
            return (0 ..< 8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }

        /// The next `count` bytes' range, consumed.
        mutating func bytes(_ count: UInt64) -> Range<Int>? {
            guard count <= UInt64(end - position) else { return nil }
            defer { position += Int(count) }
            return position ..< position + Int(count)
        }

        mutating func skip(wireType: UInt64) -> Bool {
            switch wireType {
            case 0: return varint() != nil
            case 1: return bytes(8) != nil
            case 2: guard let length = varint() else { return false }; return bytes(length) != nil
            case 5: return bytes(4) != nil
            default: return false
            }
        }
    }
}
