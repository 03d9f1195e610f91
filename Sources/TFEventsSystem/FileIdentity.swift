#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies one version of a file on disk: its device and inode, its
/// size and its modification time.
///
/// Two identities with the same device and inode are the same file; a
/// different inode at the same path means the file was replaced.
public struct FileIdentity: Hashable, Sendable, Codable {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64
    /// `st_size` in bytes.
    public var size: Int
    /// `st_mtim` in nanoseconds since the epoch.
    public var modificationTimeNanoseconds: Int64
    /// Whether the file is a regular file (mappable) rather than a pipe,
    /// character device or socket.
    public var isRegularFile: Bool { (modeBits & S_IFMT) == S_IFREG }
    /// `st_mode`.
    public var modeBits: UInt32
    /// Whether the file is a directory.
    public var isDirectory: Bool { (modeBits & S_IFMT) == S_IFDIR }
    /// Whether this is a symbolic link itself (only from ``init(linkAt:)``).
    public var isSymbolicLink: Bool { (modeBits & S_IFMT) == S_IFLNK }

    /// Reads the identity of an open descriptor with `fstat`.
    package init(fileDescriptor fd: Int32) throws(SystemError) {
        var info = stat()
        guard unsafe fstat(fd, &info) == 0 else { throw SystemError.current }
        self.init(info)
    }

    /// Reads the identity of the file at `path`, following symbolic links.
    ///
    /// For a URL of object storage (see ``ObjectStores``): the object's
    /// size, and an inode that changes with its version (ETag or
    /// generation), so a re-uploaded object reads as a replaced file.
    public init(path: String) throws(SystemError) {
        if let store = ObjectStores.store(for: path) {
            self = try store.identity(of: path)
            return
        }
        var info = stat()
        guard unsafe stat(path, &info) == 0 else { throw SystemError.current }
        self.init(info)
    }

    /// Reads the identity of `path` itself (`lstat`): a symbolic link is
    /// described, not followed.
    public init(linkAt path: String) throws(SystemError) {
        if let store = ObjectStores.store(for: path) {
            self = try store.identity(of: path)
            return
        }
        var info = stat()
        guard unsafe lstat(path, &info) == 0 else { throw SystemError.current }
        self.init(info)
    }

    /// The identity of an object in a store, or of a key prefix
    /// (`isDirectory`): `device` and `inode` are hashes chosen by the store.
    package init(device: UInt64, inode: UInt64, size: Int, modificationTimeNanoseconds: Int64, isDirectory: Bool) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modificationTimeNanoseconds = modificationTimeNanoseconds
        modeBits = isDirectory ? UInt32(S_IFDIR | 0o755) : UInt32(S_IFREG | 0o644)
    }

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int(info.st_size)
        #if canImport(Darwin)
        modificationTimeNanoseconds = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        modificationTimeNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
        modeBits = UInt32(info.st_mode)
    }

    /// Whether `other` is the same file (device and inode), whatever its size.
    public func isSameFile(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }
}

extension FileIdentity {
    /// Builds an identity from stored fields.
    package init(device: UInt64, inode: UInt64, size: Int, modificationTimeNanoseconds: Int64, modeBits: UInt32) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modificationTimeNanoseconds = modificationTimeNanoseconds
        self.modeBits = modeBits
    }
}

extension FileIdentity {
    /// What kind of file this is, for messages: "a regular file", "a
    /// directory", "a FIFO", "a character device", ...
    public var typeName: String { Self.typeName(mode: modeBits) }

    /// The kind of file a `st_mode` describes, for messages.
    package static func typeName<Mode: BinaryInteger>(mode: Mode) -> String {
        switch UInt32(truncatingIfNeeded: mode) & UInt32(S_IFMT) {
        case UInt32(S_IFREG): return "a regular file"
        case UInt32(S_IFDIR): return "a directory"
        case UInt32(S_IFIFO): return "a FIFO"
        case UInt32(S_IFCHR): return "a character device"
        case UInt32(S_IFBLK): return "a block device"
        case UInt32(S_IFSOCK): return "a socket"
        case UInt32(S_IFLNK): return "a symbolic link"
        default: return "a special file"
        }
    }
}
