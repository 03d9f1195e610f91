/// Interns summary tags: maps tag bytes to small dense integers without
/// creating a `String` per lookup.
///
/// Used wherever tags are counted or grouped on a hot path (scanning,
/// indexing, best-result tracking). An open-addressing table over an arena
/// of tag bytes: a lookup hashes the bytes and compares with `memcmp`.
public struct TagTable: Sendable {
    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var slots: [Int32] = Array(repeating: -1, count: 64)

    private struct Entry: Sendable {
        var start: Int
        var count: Int
        var hash: UInt64
    }

    /// An empty table.
    public init() {}

    /// Number of distinct tags.
    public var count: Int { entries.count }

    /// The id of `bytes`, adding it when new. Ids are dense: 0, 1, 2, ...
    /// in order of first appearance.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int {
        let hash = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            if matches(id, bytes, hash) { return id }
            slot = (slot + 1) & (slots.count - 1)
        }
        let id = entries.count
        entries.append(Entry(start: arena.count, count: bytes.count, hash: hash))
        arena.append(contentsOf: bytes)
        slots[slot] = Int32(id)
        if entries.count * 2 > slots.count { rehash() }
        return id
    }

    /// Interns a `String`.
    public mutating func intern(_ tag: String) -> Int {
        var tag = tag
        return tag.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    /// The id of `bytes`, or nil when the tag was never interned.
    public func lookup(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let hash = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while true {
            let id = Int(slots[slot])
            if id < 0 { return nil }
            if matches(id, bytes, hash) { return id }
            slot = (slot + 1) & (slots.count - 1)
        }
    }

    /// The id of `tag`, or nil.
    public func lookup(_ tag: String) -> Int? {
        var tag = tag
        return tag.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    /// The tag with id `id`.
    public func tag(_ id: Int) -> String {
        let entry = entries[id]
        return String(decoding: arena[entry.start ..< entry.start + entry.count], as: UTF8.self)
    }

    /// Every tag, in id order.
    public var tags: [String] { (0 ..< count).map(tag) }

    private func matches(_ id: Int, _ bytes: UnsafeRawBufferPointer, _ hash: UInt64) -> Bool {
        let entry = entries[id]
        guard entry.hash == hash, entry.count == bytes.count else { return false }
        return arena.withUnsafeBytes { stored in
            bytes.elementsEqual(UnsafeRawBufferPointer(rebasing: stored[entry.start ..< entry.start + entry.count]))
        }
    }

    private mutating func rehash() {
        var newSlots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = newSlots.count - 1
        for (id, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while newSlots[slot] >= 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(id)
        }
        slots = newSlots
    }

    /// A fast 64-bit hash of short byte strings: 8 bytes per step,
    /// multiply-xorshift mixing.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard var p = bytes.baseAddress else { return h }
        var remaining = bytes.count
        while remaining >= 8 {
            h = (h ^ UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            p += 8
            remaining -= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while remaining > 0 {
            tail |= UInt64(p.load(as: UInt8.self)) << shift
            shift += 8
            p += 1
            remaining -= 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }
}
