/// Just enough of the FlatBuffers binary format to write Arrow's IPC
/// metadata (`Message`, `Schema`, `RecordBatch`, `DictionaryBatch`): tables
/// with scalar, struct-vector, table-vector and string fields, written front
/// to back with every offset pointing forward, as the format requires.
///
/// A table is a list of slots in the order the schema declares its fields
/// (a union takes two: its type byte, then its value). Scalars are placed
/// 8-byte fields first so that each is aligned to its size from the start
/// of the buffer, which Arrow aligns to 8.
enum FlatNode {
    /// A table; `nil` slots are absent (the reader uses the default).
    case table([FlatSlot?])
    /// A UTF-8 string (length, bytes, NUL).
    case string(String)
    /// A vector of tables.
    case tables([FlatNode])
    /// A vector of structs: `count` elements of `elementSize` bytes,
    /// aligned to `alignment`, already encoded little-endian in `bytes`.
    case structs(bytes: [UInt8], count: Int, alignment: Int)
}

/// One field of a table.
enum FlatSlot {
    case bool(Bool)
    case uint8(UInt8)
    case int16(Int16)
    case int32(Int32)
    case int64(Int64)
    /// An offset to another object, written after the table.
    case node(FlatNode)

    var size: Int {
        switch self {
        case .bool, .uint8: return 1
        case .int16: return 2
        case .int32, .node: return 4
        case .int64: return 8
        }
    }
}

/// Serialises a ``FlatNode`` tree into one buffer whose first four bytes
/// are the offset of the root table.
struct FlatBufferBuilder {
    private(set) var bytes: [UInt8] = []

    /// The buffer for `root` (a table), padded to a multiple of 8 bytes.
    static func build(_ root: FlatNode) -> [UInt8] {
        var builder = FlatBufferBuilder()
        builder.bytes = [0, 0, 0, 0]
        let position = builder.write(root)
        builder.patchOffset(at: 0, to: position)
        builder.pad(to: 8)
        return builder.bytes
    }

    private mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    private mutating func append<T: FixedWidthInteger>(_ value: T) { appendLittleEndian(value, to: &bytes) }

    private mutating func store<T: FixedWidthInteger>(_ value: T, at position: Int) {
        for (i, shift) in stride(from: 0, to: T.bitWidth, by: 8).enumerated() {
            bytes[position + i] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }

    /// Writes a forward uoffset at `position` pointing to `target`.
    private mutating func patchOffset(at position: Int, to target: Int) {
        store(UInt32(target - position), at: position)
    }

    /// Writes `node` at the end of the buffer; returns where it starts (a
    /// table: its soffset field; a vector or string: its length).
    private mutating func write(_ node: FlatNode) -> Int {
        switch node {
        case .table(let slots): return writeTable(slots)
        case .string(let text):
            pad(to: 4)
            let start = bytes.count
            let utf8 = Array(text.utf8)
            append(UInt32(utf8.count))
            bytes += utf8
            bytes.append(0)
            return start
        case .tables(let items):
            pad(to: 4)
            let start = bytes.count
            append(UInt32(items.count))
            let slots = bytes.count
            bytes += [UInt8](repeating: 0, count: 4 * items.count)
            for (i, item) in items.enumerated() {
                let position = write(item)
                patchOffset(at: slots + 4 * i, to: position)
            }
            return start
        case let .structs(payload, count, alignment):
            // The length is 4 bytes before the elements, which are aligned.
            while (bytes.count + 4) % max(alignment, 4) != 0 { bytes.append(0) }
            let start = bytes.count
            append(UInt32(count))
            bytes += payload
            return start
        }
    }

    private mutating func writeTable(_ slots: [FlatSlot?]) -> Int {
        // Field order inside the table: largest first, each then aligned.
        let present = slots.enumerated().compactMap { index, slot in slot.map { (index, $0) } }
        let ordered = present.sorted { $0.1.size != $1.1.size ? $0.1.size > $1.1.size : $0.0 < $1.0 }
        var fieldOffsets = [Int](repeating: 0, count: slots.count)
        var cursor = 4  // after the soffset
        for (index, slot) in ordered {
            while cursor % slot.size != 0 { cursor += 1 }
            fieldOffsets[index] = cursor
            cursor += slot.size
        }
        let tableSize = (cursor + 3) & ~3

        // The vtable, 2-aligned, right before the table.
        pad(to: 2)
        let vtableStart = bytes.count
        let vtableSize = 4 + 2 * slots.count
        append(UInt16(vtableSize))
        append(UInt16(tableSize))
        for offset in fieldOffsets { append(UInt16(offset)) }
        // The table starts on 8, so that field offsets aligned to their size
        // are aligned in the buffer too.
        pad(to: 8)
        let tableStart = bytes.count
        bytes += [UInt8](repeating: 0, count: tableSize)
        store(Int32(tableStart - vtableStart), at: tableStart)

        var children: [(position: Int, node: FlatNode)] = []
        for (index, slot) in present {
            let position = tableStart + fieldOffsets[index]
            switch slot {
            case .bool(let value): bytes[position] = value ? 1 : 0
            case .uint8(let value): bytes[position] = value
            case .int16(let value): store(value, at: position)
            case .int32(let value): store(value, at: position)
            case .int64(let value): store(value, at: position)
            case .node(let node): children.append((position, node))
            }
        }
        for (position, node) in children {
            let target = write(node)
            patchOffset(at: position, to: target)
        }
        return tableStart
    }
}
