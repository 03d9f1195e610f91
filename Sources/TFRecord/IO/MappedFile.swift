#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// A read-only memory mapping of a regular file (or of its tail).
///
/// This is the only type that calls `mmap`/`munmap`. The mapping is private
/// and read-only; it is unmapped when the object is released. Bytes are lent
/// out through ``withUnsafeBytes(_:)`` only: the pointer must not escape the
/// closure.
///
/// The mapping covers the file as it was when it was opened (`size`). A file
/// that grows later is not seen beyond that size; open it again to see more.
///
/// A file truncated while mapped does not kill the process: the mapping is
/// registered with ``MappingGuard`` for its lifetime, so pages past the new
/// end read as zeros and ``wasTruncatedWhileMapped`` becomes true (a
/// ``RecordReader`` over it then reports
/// ``ReadRecordError/Kind/truncatedWhileReading``). Up to 1,024 mappings
/// of this type and of the readers' sliding windows are guarded at once;
/// beyond that a `MappedFile` is mapped unguarded (readers opened by path
/// read such files with `read(2)` instead).
@safe public final class MappedFile: @unchecked Sendable {
    // @unchecked: the mapping is immutable after init and only read.

    /// The path the file was opened with.
    public let path: String
    /// Identity and size of the file when it was mapped.
    public let identity: FileIdentity
    /// The file offset of the first mapped byte.
    public let startOffset: Int
    /// Number of bytes lent out by ``withUnsafeBytes(_:)``: `identity.size - startOffset`.
    public let count: Int

    private let mapping: UnsafeMutableRawPointer?
    private let mappingLength: Int
    private let startInMapping: Int
    /// Our slot in ``MappingGuard`` (nil: empty file, or unguarded).
    private let guardSlot: Int?

    /// Maps `path` from `startOffset` to its current end.
    ///
    /// - Throws: ``FileOpenError`` when the file cannot be opened, is not a
    ///   regular file, or cannot be mapped.
    public convenience init(path: String, startOffset: Int = 0) throws(FileOpenError) {
        try self.init(path: path, startOffset: startOffset, length: nil)
    }

    /// Maps at most `length` bytes of `path` from `startOffset` (to its
    /// current end when `length` is nil).
    package convenience init(path: String, startOffset: Int, length: Int?) throws(FileOpenError) {
        let (fd, identity) = try openForReading(path)
        defer { close(fd) }
        guard identity.isRegularFile else {
            throw FileOpenError(path: path, reason: .notRegularFile)
        }
        try self.init(fd: fd, path: path, identity: identity, startOffset: startOffset, length: length)
    }

    /// Maps an open regular file from `startOffset` to `identity.size`, or
    /// only `length` bytes from there when given.
    init(fd: Int32, path: String, identity: FileIdentity, startOffset: Int, length: Int? = nil) throws(FileOpenError) {
        precondition(startOffset >= 0, "negative start offset")
        self.path = path
        self.identity = identity
        let start = min(startOffset, identity.size)
        self.startOffset = start
        count = min(identity.size - start, length ?? Int.max)
        guard count > 0 else {
            unsafe mapping = nil
            mappingLength = 0
            startInMapping = 0
            guardSlot = nil
            return
        }
        // mmap offsets must be page-aligned: map from the page holding `start`.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let alignedStart = start - start % page
        startInMapping = start - alignedStart
        mappingLength = count + startInMapping
        #if os(Linux)
        // Pre-fault large mappings: one kernel pass instead of a page fault
        // per 4 KiB page while reading.
        let flags = count >= (1 << 20) ? MAP_PRIVATE | MAP_POPULATE : MAP_PRIVATE
        #else
        let flags = MAP_PRIVATE
        #endif
        let address = unsafe mmap(nil, mappingLength, PROT_READ, flags, fd, off_t(alignedStart))
        guard let address = unsafe address, unsafe address != MAP_FAILED else {
            throw FileOpenError(path: path, reason: .map(.current))
        }
        _ = unsafe madvise(address, mappingLength, MADV_SEQUENTIAL)
        unsafe mapping = unsafe address
        guardSlot = MappingGuard.claimSlot()
        if let guardSlot { unsafe MappingGuard.register(guardSlot, start: address, length: mappingLength) }
    }

    deinit {
        // Unregister first: the handler must never patch pages of a
        // mapping that is going away.
        if let guardSlot { MappingGuard.releaseSlot(guardSlot) }
        if let mapping = unsafe mapping { unsafe munmap(mapping, mappingLength) }
    }

    /// Whether the file was truncated while mapped and a read touched a
    /// page past its new end (which then read as zeros).
    public var wasTruncatedWhileMapped: Bool {
        guardSlot.map(MappingGuard.isPoisoned) ?? false
    }

    /// Lends the mapped bytes (file offsets `startOffset ..< identity.size`).
    ///
    /// Does not copy. The buffer is empty for an empty file.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        guard let mapping = unsafe mapping else { return unsafe try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return unsafe try body(UnsafeRawBufferPointer(start: mapping + startInMapping, count: count))
    }
}

/// A file could not be opened for reading.
public struct FileOpenError: Error, Sendable, CustomStringConvertible {
    /// Why opening failed. Every case is fatal for the file: nothing of it
    /// was read.
    ///
    /// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside
    /// this package needs `@unknown default`.
    @nonexhaustive
    public enum Reason: Sendable, Equatable {
        /// `open` or `fstat` failed.
        case open(SystemError)
        /// The path is a directory, pipe, socket or device (cannot be mapped).
        case notRegularFile
        /// `mmap` failed.
        case map(SystemError)
        /// The content is compressed in a format this build cannot read.
        case unsupportedCompression(CompressionFormat)
    }

    /// The path that was opened.
    public let path: String
    /// Why it failed.
    public let reason: Reason

    /// What failed, without the path.
    public var message: String {
        switch reason {
        case .open(let error): return "cannot open: \(error)"
        case .notRegularFile: return "not a regular file"
        case .map(let error): return "cannot map: \(error)"
        case .unsupportedCompression(let format): return "\(format) compression is not supported"
        }
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

/// Opens `path` read-only and reads its identity with `fstat`. The caller
/// owns the descriptor and closes it.
///
/// - Throws: ``FileOpenError`` (`open`) naming the path.
func openForReading(_ path: String) throws(FileOpenError) -> (fd: Int32, identity: FileIdentity) {
    let fd = retryingOnInterrupt { systemOpen(path, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { throw FileOpenError(path: path, reason: .open(.current)) }
    do {
        return (fd, try FileIdentity(fileDescriptor: fd))
    } catch {
        close(fd)
        throw FileOpenError(path: path, reason: .open(error))
    }
}
