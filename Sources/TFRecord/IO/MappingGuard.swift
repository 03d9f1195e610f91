import CTFEventsMappingGuard

/// Keeps a file that is truncated while it is mapped from killing the
/// process.
///
/// Reading a mapped page that lies past the (new) end of a truncated file
/// raises SIGBUS. Every mapping (``SlidingMapping`` windows, ``MappedFile``)
/// registers its range in a slot here; the SIGBUS handler (in C, the
/// `CTFEventsMappingGuard` target, because a signal handler must be
/// async-signal-safe) maps a page of zeros over a faulting address inside a
/// registered range, marks the slot *poisoned* and returns, so the read
/// completes with zeros, which fail their CRC. The reader checks the mark
/// on its slow paths and reports "truncated while being read" instead of
/// corruption. A SIGBUS anywhere else is passed to the handler installed
/// before ours (the Swift runtime's backtracer, or a host application's).
///
/// Up to ``capacity`` mappings are guarded at once. Past that,
/// ``claimSlot()`` returns nil: ``RecordReader`` then reads the file with
/// `read(2)` instead of mapping it (no SIGBUS possible), and a
/// ``MappedFile`` is mapped unguarded (a truncation under it is fatal, as
/// it is for any mapping).
///
/// Only the thread reading a window ever touches it, so the handler (which
/// runs on the faulting thread) never races with that window's unmapping.
enum MappingGuard {
    /// Mappings that can be guarded at once.
    static var capacity: Int { Int(TFE_GUARD_SLOTS) }

    /// Claims a slot; nil when all are taken or the handler could not be
    /// installed.
    static func claimSlot() -> Int? {
        let slot = tfe_guard_claim()
        return slot >= 0 ? Int(slot) : nil
    }

    /// Gives a slot back.
    static func releaseSlot(_ slot: Int) {
        tfe_guard_release(Int32(slot))
    }

    /// Records the range of `slot` (and clears its poisoned mark).
    @unsafe
    static func register(_ slot: Int, start: UnsafeRawPointer?, length: Int) {
        unsafe tfe_guard_register(Int32(slot), start, length)
    }

    /// Whether a SIGBUS was absorbed in the range of `slot`.
    static func isPoisoned(_ slot: Int) -> Bool {
        tfe_guard_is_poisoned(Int32(slot)) != 0
    }
}
