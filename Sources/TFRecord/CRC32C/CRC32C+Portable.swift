// The table-driven CRC-32C: "slicing by 16".
//
// Sixteen 256-entry tables let one step fold 16 input bytes into the
// register with sixteen independent lookups and no data-dependent branch,
// which keeps the loads in flight in parallel. Table k maps a byte to its
// contribution after k further zero bytes, so
// table[k][b] = table[0][table[k-1][b] & 0xFF] ^ (table[k-1][b] >> 8).

extension CRC32C {
    /// The 16 × 256 lookup tables, allocated and filled once per process.
    @usableFromInline
    nonisolated(unsafe) static let sliceTables: UnsafePointer<UInt32> = {
        let tables = UnsafeMutablePointer<UInt32>.allocate(capacity: 16 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ CRC32C.reflectedPolynomial : crc >> 1
            }
            unsafe tables[byte] = crc
        }
        for slice in 1..<16 {
            for byte in 0..<256 {
                let previous = unsafe tables[(slice - 1) * 256 + byte]
                unsafe tables[slice * 256 + byte] = unsafe tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return unsafe UnsafePointer(tables)
    }()

    /// The Castagnoli polynomial, bit-reflected.
    public static let reflectedPolynomial: UInt32 = 0x82F6_3B78

    /// Entry `byte` of slicing table `slice`. For tests.
    static func tableEntry(slice: Int, byte: Int) -> UInt32 {
        precondition((0..<16).contains(slice) && (0..<256).contains(byte))
        return unsafe sliceTables[slice * 256 + byte]
    }

    @usableFromInline
    static func extendPortable(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var p = bytes.baseAddress else { return crc }
        let t = unsafe sliceTables
        var remaining = bytes.count
        var c = ~crc
        while remaining >= 16 {
            // Two little-endian words; the register folds into the first 4 bytes.
            let lo = unsafe UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) ^ UInt64(c)
            let hi = unsafe UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            // Each index is masked to 0...255, so every lookup stays inside its table.
            c = unsafe t[15 * 256 + Int(truncatingIfNeeded: lo & 0xFF)]
                ^ t[14 * 256 + Int(truncatingIfNeeded: (lo >> 8) & 0xFF)]
                ^ t[13 * 256 + Int(truncatingIfNeeded: (lo >> 16) & 0xFF)]
                ^ t[12 * 256 + Int(truncatingIfNeeded: (lo >> 24) & 0xFF)]
                ^ t[11 * 256 + Int(truncatingIfNeeded: (lo >> 32) & 0xFF)]
                ^ t[10 * 256 + Int(truncatingIfNeeded: (lo >> 40) & 0xFF)]
                ^ t[9 * 256 + Int(truncatingIfNeeded: (lo >> 48) & 0xFF)]
                ^ t[8 * 256 + Int(truncatingIfNeeded: lo >> 56)]
                ^ t[7 * 256 + Int(truncatingIfNeeded: hi & 0xFF)]
                ^ t[6 * 256 + Int(truncatingIfNeeded: (hi >> 8) & 0xFF)]
                ^ t[5 * 256 + Int(truncatingIfNeeded: (hi >> 16) & 0xFF)]
                ^ t[4 * 256 + Int(truncatingIfNeeded: (hi >> 24) & 0xFF)]
                ^ t[3 * 256 + Int(truncatingIfNeeded: (hi >> 32) & 0xFF)]
                ^ t[2 * 256 + Int(truncatingIfNeeded: (hi >> 40) & 0xFF)]
                ^ t[1 * 256 + Int(truncatingIfNeeded: (hi >> 48) & 0xFF)]
                ^ t[Int(truncatingIfNeeded: hi >> 56)]
            unsafe p += 16
            remaining &-= 16  // remaining >= 16
        }
        while remaining > 0 {
            c = unsafe t[Int(truncatingIfNeeded: (c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
            unsafe p += 1
            remaining &-= 1  // remaining > 0
        }
        return ~c
    }
}
