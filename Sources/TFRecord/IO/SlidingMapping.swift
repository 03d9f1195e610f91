#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Maps a regular file one window at a time.
///
/// Reading a file through one whole-file mapping makes every page read
/// count toward the process's resident memory until the end, so scanning a
/// 1 GiB log would "use" 1 GiB. This type maps a window (16 MiB by default)
/// pre-faulted in one kernel call (`MAP_POPULATE`), and replaces it with the
/// next window when the reader needs bytes past its end: resident memory
/// stays at one window plus the largest record.
///
/// Before each new window the file's size is checked again, so a file that
/// was truncated since it was opened is read only up to its new end.
///
/// Together with ``MappedFile`` this is the only code calling `mmap`.
@safe package final class SlidingMapping {
    let path: String
    let identity: FileIdentity
    private let fd: Int32
    private let windowSize: Int
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private var mapping: UnsafeMutableRawPointer?
    private var mappingLength = 0
    /// The current window: file offsets `windowOffset ..< windowOffset + bytes.count`.
    private(set) var bytes = unsafe UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var windowOffset = 0
    /// Our slot in ``MappingGuard`` (nil: unguarded, only for tests and
    /// fuzzing, which map their own files).
    private let guardSlot: Int?

    /// Default window: 16 MiB.
    static let defaultWindowSize = 16 << 20

    /// Takes ownership of `fd` (closed on deinit). The mapping is guarded
    /// when a ``MappingGuard`` slot is free.
    package convenience init(fd: Int32, path: String, identity: FileIdentity,
                             windowSize: Int = SlidingMapping.defaultWindowSize) {
        self.init(fd: fd, path: path, identity: identity, windowSize: windowSize, guardSlot: MappingGuard.claimSlot())
    }

    /// A guarded mapping taking ownership of `fd`, or nil (and `fd` left
    /// open) when every ``MappingGuard`` slot is taken: the caller then
    /// reads the file without mapping it.
    package static func guarded(fd: Int32, path: String, identity: FileIdentity,
                                windowSize: Int = SlidingMapping.defaultWindowSize) -> SlidingMapping? {
        guard let slot = MappingGuard.claimSlot() else { return nil }
        return SlidingMapping(fd: fd, path: path, identity: identity, windowSize: windowSize, guardSlot: slot)
    }

    private init(fd: Int32, path: String, identity: FileIdentity, windowSize: Int, guardSlot: Int?) {
        self.guardSlot = guardSlot
        self.fd = fd
        self.path = path
        self.identity = identity
        self.windowSize = windowSize
    }

    deinit {
        unmap()
        if let guardSlot { MappingGuard.releaseSlot(guardSlot) }
        close(fd)
    }

    /// Whether the file was truncated while the current window was read:
    /// some of its pages now read as zeros.
    var wasTruncatedWhileMapped: Bool {
        guardSlot.map(MappingGuard.isPoisoned) ?? false
    }

    /// The readable end of the file: its size at open, or less if it shrank.
    private func currentEnd() -> Int {
        guard let now = try? FileIdentity(fileDescriptor: fd) else { return identity.size }
        return min(identity.size, now.size)
    }

    /// Maps a window starting at file offset `offset` holding at least
    /// `needed` bytes when the file has them (more, up to the window size).
    ///
    /// - Returns: whether `needed` bytes are available from `offset`.
    func remap(at offset: Int, needed: Int) throws(FileOpenError) -> Bool {
        let end = currentEnd()
        let available = max(0, end - offset)
        let length = min(available, max(windowSize, needed))
        unmap()
        windowOffset = offset
        guard length > 0 else {
            unsafe bytes = unsafe UnsafeRawBufferPointer(start: nil, count: 0)
            return needed == 0
        }
        let alignedOffset = offset - offset % pageSize
        let lead = offset - alignedOffset
        mappingLength = length + lead
        #if os(Linux)
        // Ask for this window and the next at once: the kernel reads them
        // in large requests, and the next one arrives while this one is
        // decoded (on a cold cache the reads overlap the work instead of
        // alternating with it). Pages already cached cost a lookup.
        _ = posix_fadvise(fd, off_t(alignedOffset), off_t(mappingLength + 2 * windowSize), POSIX_FADV_WILLNEED)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        let address = unsafe mmap(nil, mappingLength, PROT_READ, flags, fd, off_t(alignedOffset))
        guard let address = unsafe address, unsafe address != MAP_FAILED else {
            mappingLength = 0
            throw FileOpenError(path: path, reason: .map(.current))
        }
        unsafe mapping = unsafe address
        unsafe bytes = unsafe UnsafeRawBufferPointer(start: address + lead, count: length)
        if let guardSlot { unsafe MappingGuard.register(guardSlot, start: address, length: mappingLength) }
        return length >= needed
    }

    private func unmap() {
        if let guardSlot { unsafe MappingGuard.register(guardSlot, start: nil, length: 0) }
        if let mapping = unsafe mapping { unsafe munmap(mapping, mappingLength) }
        unsafe mapping = nil
        mappingLength = 0
    }
}
