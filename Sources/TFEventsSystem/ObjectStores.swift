#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Storage reached by a URL (`s3://BUCKET/KEY`, `gs://BUCKET/KEY`) instead of
/// a local path.
///
/// Every layer names files by `String` paths. A path whose scheme has a
/// registered store is answered by that store: the file functions of this
/// module (``FileIdentity/init(path:)``, ``Directories/list(_:)``,
/// ``FileOperations/readFile(_:limit:)``, ``FileOperations/glob(_:)``...) and
/// the record reader ask ``ObjectStores/store(for:)`` first. The stores live
/// in the `TFEventsRemote` module, which needs an HTTP client this layer does
/// not; `RemoteStorage.install()` registers them.
///
/// A store is a flat namespace of keys: a "directory" is a key prefix ending
/// in `/`, and exists when some key starts with it.
package protocol ObjectStore: Sendable {
    /// The size and version of the object at `url`, or a directory identity
    /// when `url` is a prefix of other keys.
    func identity(of url: String) throws(SystemError) -> FileIdentity

    /// The names directly under the prefix `url` (objects and
    /// sub-prefixes, without the trailing `/`), as `readdir` would list a
    /// directory.
    func list(_ url: String) throws(SystemError) -> [String]

    /// Every object below the prefix `url`, at any depth, as paths relative
    /// to it (`run1/eval/events…`): one listing without a delimiter, where
    /// walking the "directories" one by one would take a request each.
    func listTree(_ url: String) throws(SystemError) -> [String]

    /// A sequential reader of the object at `url` from byte `offset`.
    func openReader(_ url: String, at offset: Int) throws(SystemError) -> any ObjectReader

    /// The whole object at `url`, refused when larger than `limit` bytes.
    func read(_ url: String, limit: Int) throws(BoundedReadError) -> [UInt8]

    /// Up to `count` bytes of the object at `url` from `offset` (fewer at
    /// its end): one ranged request.
    func read(_ url: String, offset: Int, count: Int) throws(SystemError) -> [UInt8]

    /// The whole object at `url` (at most `limit` bytes) with its version
    /// (ETag, generation), read fresh; nil when there is no such object.
    func readVersioned(_ url: String, limit: Int) throws(SystemError) -> (bytes: [UInt8], version: String)?

    /// Stores `bytes` as the object at `url` when `condition` holds, in one
    /// request (the store applies the condition, so two writers racing for
    /// ``WriteCondition/absent`` cannot both win).
    ///
    /// - Returns: the new version; nil when the condition did not hold.
    func write(_ url: String, bytes: [UInt8], condition: WriteCondition) throws(SystemError) -> String?

    /// Uploads the local regular file `file` as the object at `url`,
    /// streaming it (memory stays small whatever its size).
    func upload(file: String, to url: String) throws(SystemError)

    /// Copies the object `source` to `destination` in the same store, on
    /// the server: the bytes never pass through this process.
    func copy(_ source: String, to destination: String) throws(SystemError)

    /// Deletes the object at `url` (no error when absent); with
    /// `ifVersion`, only while that version is the current one.
    ///
    /// - Returns: false when `ifVersion` was not current.
    func delete(_ url: String, ifVersion: String?) throws(SystemError) -> Bool
}

/// When a conditional write to object storage may happen.
package enum WriteCondition: Sendable, Equatable {
    /// Always (replaces an existing object).
    case always
    /// Only when no object has the key (`If-None-Match: *` on S3,
    /// `ifGenerationMatch=0` on GCS).
    case absent
    /// Only while this version is current (`If-Match` / `ifGenerationMatch`).
    case version(String)
}

/// Reads one object front to back. Implementations fetch ahead of the
/// caller in bounded memory.
package protocol ObjectReader: AnyObject {
    /// The object's size in bytes (of the version being read).
    var size: Int { get }

    /// Fills the start of `buffer` with the next bytes and returns how many
    /// were written; 0 at the end of the object.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int
}

/// The registered object stores, by URL scheme.
package enum ObjectStores {
    private static let registered = Mutex<[String: any ObjectStore]>([:])

    /// Answers paths beginning with `scheme://` through `store` from now on.
    package static func register(_ store: any ObjectStore, scheme: String) {
        registered.withLock { $0[scheme] = store }
    }

    /// The scheme of `path` when it is a URL (`s3` for `s3://b/k`), or nil.
    package static func scheme(of path: String) -> String? {
        guard let colon = path.utf8.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let rest = path.utf8[colon...]
        guard rest.starts(with: "://".utf8) else { return nil }
        let scheme = path.utf8[..<colon]
        guard !scheme.isEmpty, scheme.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }) else { return nil }
        return String(decoding: scheme, as: UTF8.self)
    }

    /// Whether `path` is a URL of object storage (`s3://`, `gs://`), whether
    /// or not a store for it is registered.
    package static func isRemote(_ path: String) -> Bool {
        guard let scheme = scheme(of: path) else { return false }
        return scheme == "s3" || scheme == "gs"
    }

    /// The store answering `path`: nil for a local path. A remote URL whose
    /// store is not registered gets a store that refuses every request with
    /// a message saying so, so a URL is never taken for a local path.
    package static func store(for path: String) -> (any ObjectStore)? {
        guard let scheme = scheme(of: path) else { return nil }
        if let store = registered.withLock({ $0[scheme] }) { return store }
        return isRemote(path) ? UnavailableStore(scheme: scheme) : nil
    }

    /// How many files to read at once by default: one per core, or at
    /// least 16 when some are objects, whose reads mostly wait on the
    /// network (2,000 small objects read two at a time would be bound by
    /// the round trips, not by the cores).
    package static func defaultReaders(for paths: [String], cores: Int) -> Int {
        paths.contains(where: isRemote) ? max(cores, 16) : cores
    }

    /// The error for an operation object storage cannot do (append,
    /// rename, open a file descriptor).
    package static func unsupported(_ operation: String, _ path: String) -> SystemError {
        SystemError(code: ENOTSUP, detail: "\(path): object storage cannot \(operation)")
    }
}

/// The store of a scheme whose module is not linked or not installed.
private struct UnavailableStore: ObjectStore {
    let scheme: String

    private var error: SystemError {
        SystemError(code: EPROTONOSUPPORT,
                    detail: "\(scheme):// URLs need the TFEventsRemote module (call RemoteStorage.install())")
    }

    func identity(of url: String) throws(SystemError) -> FileIdentity { throw error }
    func list(_ url: String) throws(SystemError) -> [String] { throw error }
    func listTree(_ url: String) throws(SystemError) -> [String] { throw error }
    func openReader(_ url: String, at offset: Int) throws(SystemError) -> any ObjectReader { throw error }
    func read(_ url: String, limit: Int) throws(BoundedReadError) -> [UInt8] { throw .system(error) }
    func read(_ url: String, offset: Int, count: Int) throws(SystemError) -> [UInt8] { throw error }
    func readVersioned(_ url: String, limit: Int) throws(SystemError) -> (bytes: [UInt8], version: String)? { throw error }
    func write(_ url: String, bytes: [UInt8], condition: WriteCondition) throws(SystemError) -> String? { throw error }
    func upload(file: String, to url: String) throws(SystemError) { throw error }
    func copy(_ source: String, to destination: String) throws(SystemError) { throw error }
    func delete(_ url: String, ifVersion: String?) throws(SystemError) -> Bool { throw error }
}
