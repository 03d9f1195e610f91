import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a file that is truncated while it is mapped from killing the
/// process.
///
/// Reading a mapped page that lies past the (new) end of a truncated file
/// raises SIGBUS. Every ``SlidingMapping`` window is registered here; a
/// SIGBUS handler that finds the faulting address inside a registered window
/// maps a page of zeros over it, marks the window *poisoned* and returns, so
/// the read completes (with zeros, which fail their CRC). The reader checks
/// the mark on its slow paths and reports "truncated while being read"
/// instead of corruption. A SIGBUS anywhere else gets the default action.
///
/// Only the thread reading a window ever touches it, so the handler (which
/// runs on the faulting thread) never races with that window's unmapping.
enum MappingGuard {
    /// Windows that can be registered at once.
    static let capacity = 256

    /// Per slot: start, end (exclusive), poisoned flag, owner flag.
    private nonisolated(unsafe) static let slots: UnsafeMutablePointer<Atomic<UInt>> = {
        let pointer = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: capacity * 4)
        for i in 0 ..< capacity * 4 { unsafe (pointer + i).initialize(to: Atomic(0)) }
        return unsafe pointer
    }()

    private static let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))

    /// Installs the SIGBUS handler (once per process).
    private static let installed: Bool = {
        _ = unsafe slots
        var action = sigaction()
        unsafe action.__sigaction_handler.sa_sigaction = { _, info, _ in unsafe MappingGuard.handle(info) }
        action.sa_flags = SA_SIGINFO | SA_NODEFER
        unsafe sigemptyset(&action.sa_mask)
        return unsafe sigaction(SIGBUS, &action, nil) == 0
    }()

    /// Claims a slot; nil when all are taken (the window is then unguarded).
    static func claimSlot() -> Int? {
        guard installed else { return nil }
        for slot in 0 ..< capacity {
            if unsafe slots[slot * 4 + 3].compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged {
                return slot
            }
        }
        return nil
    }

    /// Gives a slot back.
    static func releaseSlot(_ slot: Int) {
        unsafe register(slot, start: nil, length: 0)
        unsafe slots[slot * 4 + 3].store(0, ordering: .releasing)
    }

    /// Records the window of `slot` (and clears its poisoned mark).
    static func register(_ slot: Int, start: UnsafeRawPointer?, length: Int) {
        let begin = UInt(bitPattern: start)
        unsafe slots[slot * 4].store(0, ordering: .sequentiallyConsistent)
        unsafe slots[slot * 4 + 1].store(begin + UInt(length), ordering: .sequentiallyConsistent)
        unsafe slots[slot * 4 + 2].store(0, ordering: .sequentiallyConsistent)
        unsafe slots[slot * 4].store(begin, ordering: .sequentiallyConsistent)
    }

    /// Whether a SIGBUS was absorbed in the window of `slot`.
    static func isPoisoned(_ slot: Int) -> Bool {
        unsafe slots[slot * 4 + 2].load(ordering: .sequentiallyConsistent) != 0
    }

    /// The signal handler: async-signal-safe (atomic loads and stores, mmap).
    private static func handle(_ info: UnsafeMutablePointer<siginfo_t>?) {
        if let info = unsafe info {
            let address = unsafe UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)
            for slot in 0 ..< capacity {
                let start = unsafe slots[slot * 4].load(ordering: .relaxed)
                guard start != 0, address >= start, unsafe address < slots[slot * 4 + 1].load(ordering: .relaxed) else {
                    continue
                }
                let page = address & ~(pageSize - 1)
                let zeros = unsafe mmap(UnsafeMutableRawPointer(bitPattern: page), Int(pageSize), PROT_READ,
                                 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                if unsafe zeros != MAP_FAILED {
                    unsafe slots[slot * 4 + 2].store(1, ordering: .relaxed)
                    return
                }
            }
        }
        // Not ours: restore the default action; returning re-runs the access.
        signal(SIGBUS, SIG_DFL)
    }
}
