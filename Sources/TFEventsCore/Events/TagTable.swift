#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFRecord

/// Interns summary tags: maps tag bytes to small dense integers without
/// creating a `String` per lookup.
///
/// Used wherever tags are counted or grouped on a hot path (scanning,
/// indexing, best-result tracking). An open-addressing table over an arena
/// of tag bytes: a lookup hashes the bytes and compares them with a few
/// word loads. One of the fenced places of `TFEventsCore` (with the
/// protobuf cursor): it reads tag bytes through pointers, behind an API
/// of `RawSpan`s and `String`s.
package struct TagTable: Sendable {
    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var slots: [Int32] = Array(repeating: -1, count: 64)
    /// A direct-mapped cache in front of the hash table, keyed by a tag's
    /// length and first and last bytes: most lookups hit it without
    /// hashing. 256 slots: with 64, common metric names shared slots
    /// (`loss` and `precision`) and evicted each other.
    private var recent: [Int32] = Array(repeating: -1, count: 256)

    private struct Entry: Sendable {
        var start: Int
        var count: Int
        var hash: UInt64
    }

    /// An empty table.
    package init() {}

    /// Number of distinct tags.
    package var count: Int { entries.count }

    /// The id of `bytes`, adding it when new. Ids are dense: 0, 1, 2, ...
    /// in order of first appearance.
    package mutating func intern(_ bytes: RawSpan) -> Int {
        let cacheSlot = Self.cacheSlot(bytes)
        let cached = Int(recent[cacheSlot])
        if cached >= 0, unsafe Self.equals(entries[cached], bytes, arena: arena.span.bytes) { return cached }
        let id = internHashed(bytes)
        recent[cacheSlot] = Int32(id)
        return id
    }

    /// A cheap 8-bit key from the length and the first and last 8 bytes.
    private static func cacheSlot(_ bytes: RawSpan) -> Int {
        let count = bytes.byteCount
        var key = UInt64(count)
        if let base = unsafe bytes.unsafeBaseAddress {
            if count >= 8 {
                key ^= unsafe base.loadUnaligned(as: UInt64.self)
                key ^= unsafe base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) >> 1
            } else if count >= 4 {  // two overlapping words, no byte loop
                key ^= unsafe UInt64(base.loadUnaligned(as: UInt32.self)) << 3
                key ^= unsafe UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 29
            } else if count > 0 {  // the first, middle and last bytes
                key ^= unsafe UInt64(base.load(as: UInt8.self)) << 3
                key ^= unsafe UInt64(base.load(fromByteOffset: count >> 1, as: UInt8.self)) << 11
                key ^= unsafe UInt64(base.load(fromByteOffset: count - 1, as: UInt8.self)) << 19
            }
        }
        return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }

    private mutating func internHashed(_ bytes: RawSpan) -> Int {
        let hash = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            if matches(id, bytes, hash) { return id }
            slot = (slot + 1) & (slots.count - 1)
        }
        let id = entries.count
        entries.append(Entry(start: arena.count, count: bytes.byteCount, hash: hash))
        bytes.append(to: &arena)
        slots[slot] = Int32(id)
        if entries.count * 2 > slots.count { rehash() }
        return id
    }

    /// Interns a `String`.
    package mutating func intern(_ tag: String) -> Int {
        var tag = tag
        tag.makeContiguousUTF8()
        return unsafe intern(tag.utf8.span.bytes)
    }

    /// The id of `bytes`, or nil when the tag was never interned.
    package func lookup(_ bytes: RawSpan) -> Int? {
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
    package func lookup(_ tag: String) -> Int? {
        var tag = tag
        tag.makeContiguousUTF8()
        return unsafe lookup(tag.utf8.span.bytes)
    }

    /// The tag with id `id`.
    package func tag(_ id: Int) -> String {
        let entry = entries[id]
        return String(decoding: arena[entry.start ..< entry.start + entry.count], as: UTF8.self)
    }

    /// The UTF-8 bytes of tag `id`, borrowed from the table.
    @_lifetime(borrow self)
    package func tagBytes(_ id: Int) -> RawSpan {
        let entry = entries[id]
        return arena.rawSpan.extracting(entry.start ..< entry.start + entry.count)
    }

    /// Every tag, in id order.
    package var tags: [String] { (0 ..< count).map(tag) }

    private func matches(_ id: Int, _ bytes: RawSpan, _ hash: UInt64) -> Bool {
        let entry = entries[id]
        guard entry.hash == hash else { return false }
        return equals(entry, bytes)
    }

    /// Whether tag `id` has exactly these bytes. Cheaper than a lookup:
    /// callers that can predict the id (logs repeat the same tags in the
    /// same order) check their guess with this first.
    package func isTag(_ id: Int, equalTo bytes: RawSpan) -> Bool {
        guard id >= 0, id < entries.count else { return false }
        return equals(entries[id], bytes)
    }

    private func equals(_ entry: Entry, _ bytes: RawSpan) -> Bool {
        unsafe Self.equals(entry, bytes, arena: arena.span.bytes)
    }

    /// Whether `entry`'s bytes in `arena` are `bytes`. Static, over a span
    /// of the arena: called on `self` with a closure, it retained and
    /// released the table's four arrays on every lookup.
    @inline(__always)
    private static func equals(_ entry: Entry, _ bytes: RawSpan, arena: RawSpan) -> Bool {
        guard entry.count == bytes.byteCount else { return false }
        guard entry.count > 0, let other = unsafe bytes.unsafeBaseAddress else { return true }
        // entry.start + entry.count <= arena.byteCount: entries only index
        // bytes already appended, and count > 0 so the arena is not empty.
        guard entry.start >= 0, entry.count <= arena.byteCount &- entry.start,  // 0 <= start <= byteCount: no wrap
              let base = unsafe arena.unsafeBaseAddress else { return false }
        return unsafe bytesEqual(base + entry.start, other, entry.count)
    }

    /// Compares `count` bytes. Tags are short: up to 16 bytes, two pairs of
    /// overlapping loads that stay inside both buffers replace a libc call
    /// (the pairs ``TagKey`` keeps of its tag).
    @unsafe
    private static func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        switch count {
        case 8 ... 16:
            return unsafe a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        case 4 ..< 8:
            return unsafe a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        case 0 ..< 4:
            for i in 0 ..< count where unsafe a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
                return false
            }
            return true
        default:
            return unsafe memcmp(a, b, count) == 0
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
    package static func hash(_ bytes: RawSpan) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.byteCount)
        guard var p = unsafe bytes.unsafeBaseAddress else { return h }
        var remaining = bytes.byteCount
        while remaining >= 8 {
            h = unsafe (h ^ UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            unsafe p += 8
            remaining -= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while remaining > 0 {
            unsafe tail |= UInt64(p.load(as: UInt8.self)) << shift
            shift += 8
            unsafe p += 1
            remaining -= 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }
}

/// One tag's bytes, kept for compares with two word loads: a tag of up to
/// 16 bytes is held as two words, the loads of the tag table's compare,
/// longer ones are compared with `memcmp`. What a best-model search
/// compares every value's tag with (most differ from the metric in length,
/// the first test).
package struct TagKey: Sendable {
    private let count: Int
    private let words: (UInt64, UInt64)
    private let bytes: [UInt8]

    /// The key of `tag`.
    package init(_ tag: String) {
        bytes = Array(tag.utf8)
        count = bytes.count
        words = unsafe bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count <= 16 else { return (0, 0) }
            return unsafe Self.wordPair(base, count: raw.count)
        }
    }

    /// The two words that stand for `count` (0 ... 16) bytes at `base`: the
    /// first and last 8 bytes from 8 bytes on, the first and last 4 from 4
    /// (overlapping when shorter than twice that), else the bytes
    /// themselves; loads that stay inside the bytes, as in the table's
    /// compare.
    @unsafe @inline(__always)
    private static func wordPair(_ base: UnsafeRawPointer, count: Int) -> (UInt64, UInt64) {
        switch count {
        case 8...:
            return unsafe (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        case 4 ..< 8:
            return unsafe (UInt64(base.loadUnaligned(as: UInt32.self)),
                           UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
        default:
            var word: UInt64 = 0
            for i in 0 ..< count { word |= unsafe UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << (8 &* i) }
            return (word, 0)
        }
    }

    /// Whether `other` holds exactly the tag's bytes.
    @inline(__always)
    package func matches(_ other: RawSpan) -> Bool {
        guard other.byteCount == count else { return false }
        guard let base = unsafe other.unsafeBaseAddress else { return count == 0 }
        guard count > 16 else { return unsafe Self.wordPair(base, count: count) == words }
        return unsafe bytes.withUnsafeBytes { mine in
            guard let mine = mine.baseAddress else { return false }
            return unsafe memcmp(mine, base, count) == 0
        }
    }
}

/// Which tag follows which: a guess for the next value's tag id.
///
/// Event logs repeat their tags in the same order, but not always all of
/// them (an evaluation may add a metric, a training step writes some tags
/// only every N steps), so the tag at position i of the last event is a
/// poor guess (it missed 80 % of the time on generated eval logs). The tag
/// that followed the previous value's tag last time is a better one; a
/// right guess costs one compare of the bytes, no hashing.
///
/// The first value of an event is guessed from the last value of the event
/// before it, in entries of its own: TF2, Keras, PyTorch and the Hugging
/// Face Trainer write one scalar per event, cycling through their tags
/// (`epoch_accuracy`, `epoch_loss`, `epoch_learning_rate`, ...), which a
/// guess of "the first tag of the last event" always missed; events that
/// start with the same tag whatever ended the one before are learned too.
package struct TagPrediction: Sendable {
    /// `successors[2 * (p + 1)]`: the id that last followed id `p` within
    /// an event; `successors[2 * (p + 1) + 1]`: the first id of the event
    /// that last followed an event ending with `p` (p = -1: at the start of
    /// the file). -1 when unknown. One array for both: a guess is one
    /// bounds check, the entry chosen by arithmetic.
    private var successors: [Int32] = [-1, -1]
    /// The id of the previous value (of this event, or the last of the
    /// previous event at position 0).
    private var previous = -1

    /// No predictions yet.
    package init() {}

    /// Where what followed `id` is kept: within an event, or (`first`)
    /// as the first id of the next event.
    @inline(__always)
    private static func slot(after id: Int, first: Bool) -> Int { (id &+ 1) &* 2 &+ (first ? 1 : 0) }

    /// Where the guess for position `index` is kept.
    @inline(__always)
    private func slot(at index: Int) -> Int { Self.slot(after: previous, first: index == 0) }

    /// The id kept at `slot`, or -1.
    @inline(__always)
    private func id(at slot: Int) -> Int { slot >= 0 && slot < successors.count ? Int(successors[slot]) : -1 }

    /// The guess for the value at position `index` of an event (0: the first).
    func guess(at index: Int) -> Int { id(at: slot(at: index)) }

    /// The id that last followed `id` within an event, or -1: the next step
    /// along the learnt order after a guess that missed.
    @inline(__always)
    func successor(of id: Int) -> Int { id < 0 ? -1 : self.id(at: Self.slot(after: id, first: false)) }

    /// How many tags a wrong guess is followed past by ``find(at:where:)``: 3.
    static let skippedTagsTried = 3

    /// The guess for position `index`, or the first of the up to
    /// ``skippedTagsTried`` ids that followed it in the order learnt so
    /// far, for which `isTag` holds, confirmed; nil when none does (then
    /// ``remember(_:at:)`` the id found otherwise).
    ///
    /// An event that leaves out a tag or two of its run's usual set (a
    /// metric logged only every N steps, an evaluation without some metric)
    /// then costs a few compares of lengths, where hashing the tag costs
    /// several times more. A tag found past the guess leaves the order as
    /// it was, so the tags left out stay learnt for the events that have them.
    @inline(__always)
    mutating func find(at index: Int, where isTag: (Int) -> Bool) -> Int? {
        var guess = guess(at: index)
        if isTag(guess) {
            confirm(guess)
            return guess
        }
        for _ in 0 ..< Self.skippedTagsTried {
            guess = successor(of: guess)
            if guess < 0 { return nil }
            if isTag(guess) {
                confirm(guess)
                return guess
            }
        }
        return nil
    }

    /// Records that the value at position `index` has tag `id`.
    mutating func remember(_ id: Int, at index: Int) {
        let slot = slot(at: index)
        if slot >= 0 {
            if slot >= successors.count {
                successors.append(contentsOf: repeatElement(-1, count: slot + 2 - successors.count))
            }
            // Written only when it changes: a write checks that the array
            // is not shared first.
            let next = Int32(truncatingIfNeeded: id)
            if successors[slot] != next { successors[slot] = next }
        }
        previous = id
    }

    /// Moves on after a right guess (`id` was predicted for this position).
    mutating func confirm(_ id: Int) { previous = id }
}

extension TagTable {
    /// Interns `bytes`, trying first the ids ``TagPrediction`` guesses for
    /// position `index` of the event (0: the first value; see
    /// ``TagPrediction/find(at:where:)``), and updating the prediction.
    package mutating func intern(_ bytes: RawSpan, predicted: inout TagPrediction, at index: Int) -> Int {
        if let id = predicted.find(at: index, where: { isTag($0, equalTo: bytes) }) { return id }
        let id = intern(bytes)
        predicted.remember(id, at: index)
        return id
    }
}
