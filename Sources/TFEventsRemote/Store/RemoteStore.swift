import Synchronization
import TFEventsSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An object store as the file layer sees it (``ObjectStore``): keys as
/// files, key prefixes as directories.
///
/// Listing a prefix remembers what it found, so the size and version of
/// every listed object are known without one request per file; `watch`
/// lists again on every poll, which refreshes them.
final class RemoteStore: ObjectStore {
    private let service: Mutex<Result<any ObjectService, SystemError>?>
    private let makeService: @Sendable () throws(SystemError) -> any ObjectService
    private let listed = Mutex<[String: RemoteObject]>([:])

    init(_ make: @escaping @Sendable () throws(SystemError) -> any ObjectService) {
        makeService = make
        service = Mutex(nil)
    }

    /// The client, created at first use (so that a credential file is read
    /// only when a URL is used), with the error it met, every time.
    private func client() throws(SystemError) -> any ObjectService {
        let result = service.withLock { cached in
            if let cached { return cached }
            let made: Result<any ObjectService, SystemError>
            do throws(SystemError) { made = .success(try makeService()) } catch { made = .failure(error) }
            cached = made
            return made
        }
        return try result.get()
    }

    private func location(_ url: String) throws(SystemError) -> ObjectLocation {
        guard let location = ObjectLocation(url) else {
            throw SystemError(code: EINVAL, detail: "\(url) is not a bucket URL (s3://BUCKET/KEY or gs://BUCKET/KEY)")
        }
        return location
    }

    /// FNV-1a, for the identity's device and inode.
    private static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    private func identity(_ location: ObjectLocation, _ object: RemoteObject?) -> FileIdentity {
        let device = Self.hash("\(location.service.rawValue)://\(location.bucket)")
        guard let object else {
            return FileIdentity(device: device, inode: Self.hash(location.directoryPrefix), size: 0,
                                modificationTimeNanoseconds: 0, isDirectory: true)
        }
        // Objects are replaced, never appended to: a writer that flushes
        // uploads a new version holding the old bytes and more. The inode
        // is the key's, so the index takes a new version for a grown file
        // and checks its prefix fingerprint before reading only the new
        // bytes; the version is folded into the sub-second part of the
        // time, so a new version of the same size is never "unchanged".
        let seconds = object.modified / 1_000_000_000
        let versionStamp = Int64(Self.hash(object.version) % 1_000_000_000)
        return FileIdentity(device: device, inode: Self.hash(object.key), size: object.size,
                            modificationTimeNanoseconds: seconds * 1_000_000_000 + versionStamp, isDirectory: false)
    }

    private func cacheKey(_ location: ObjectLocation) -> String {
        "\(location.service.rawValue)://\(location.bucket)/\(location.key)"
    }

    /// The object at `location`, from the last listing or a metadata request.
    private func object(_ location: ObjectLocation, fresh: Bool) throws(SystemError) -> RemoteObject? {
        if !fresh, let known = listed.withLock({ $0[cacheKey(location)] }) { return known }
        let client = try client()
        let found = try HTTPSession.run { () async throws(SystemError) in
            try await client.head(bucket: location.bucket, key: location.key)
        }
        if let found { listed.withLock { $0[cacheKey(location)] = found } }
        return found
    }

    private func listing(_ location: ObjectLocation, recursive: Bool = false) throws(SystemError) -> RemoteListing {
        let client = try client()
        let prefix = location.directoryPrefix
        let listing = try HTTPSession.run { () async throws(SystemError) in
            try await client.list(bucket: location.bucket, prefix: prefix, recursive: recursive)
        }
        listed.withLock { cache in
            for object in listing.objects {
                cache["\(location.service.rawValue)://\(location.bucket)/\(object.key)"] = object
            }
        }
        return listing
    }

    func identity(of url: String) throws(SystemError) -> FileIdentity {
        let location = try location(url)
        if !location.key.isEmpty && !location.key.hasSuffix("/") {
            if let object = try object(location, fresh: false) { return identity(location, object) }
        }
        let listing = try listing(location)
        guard location.key.isEmpty || !listing.objects.isEmpty || !listing.prefixes.isEmpty else {
            throw SystemError(code: ENOENT, detail: "no such object or prefix: \(url)")
        }
        return identity(location, nil)
    }

    func list(_ url: String) throws(SystemError) -> [String] {
        let location = try location(url)
        let listing = try listing(location)
        let prefix = location.directoryPrefix
        var names: [String] = []
        for object in listing.objects where object.key.count > prefix.count {
            names.append(String(object.key.dropFirst(prefix.count)))
        }
        for sub in listing.prefixes where sub.count > prefix.count {
            var name = String(sub.dropFirst(prefix.count))
            while name.hasSuffix("/") { name.removeLast() }
            if !name.isEmpty { names.append(name) }
        }
        if names.isEmpty && !location.key.isEmpty {
            if try object(location, fresh: true) != nil {
                throw SystemError(code: ENOTDIR, detail: "\(url) is an object, not a prefix")
            }
            throw SystemError(code: ENOENT, detail: "nothing under \(url)")
        }
        return names
    }

    func listTree(_ url: String) throws(SystemError) -> [String] {
        let location = try location(url)
        let listing = try listing(location, recursive: true)
        let prefix = location.directoryPrefix
        // Keys ending in "/" are the empty "folder" objects consoles create.
        let names = listing.objects.filter { $0.key.count > prefix.count && !$0.key.hasSuffix("/") }
            .map { String($0.key.dropFirst(prefix.count)) }
        if names.isEmpty && !location.key.isEmpty && listing.objects.isEmpty {
            if try object(location, fresh: true) != nil {
                throw SystemError(code: ENOTDIR, detail: "\(url) is an object, not a prefix")
            }
            throw SystemError(code: ENOENT, detail: "nothing under \(url)")
        }
        return names
    }

    func openReader(_ url: String, at offset: Int) throws(SystemError) -> any ObjectReader {
        let location = try location(url)
        guard let object = try object(location, fresh: false) else {
            throw SystemError(code: ENOENT, detail: "no such object: \(url)")
        }
        return RemoteObjectReader(service: try client(), bucket: location.bucket, object: object, offset: offset)
    }

    func read(_ url: String, offset: Int, count: Int) throws(SystemError) -> [UInt8] {
        let location = try location(url)
        guard let object = try object(location, fresh: false) else {
            throw SystemError(code: ENOENT, detail: "no such object: \(url)")
        }
        let lower = min(max(0, offset), object.size), upper = min(object.size, lower + max(0, count))
        guard upper > lower else { return [] }
        let client = try client()
        return try HTTPSession.run { () async throws(SystemError) in
            try await client.read(bucket: location.bucket, object: object, lower, upper)
        }
    }

    func read(_ url: String, limit: Int) throws(BoundedReadError) -> [UInt8] {
        do {
            let location = try location(url)
            guard let object = try object(location, fresh: true) else {
                throw SystemError(code: ENOENT, detail: "no such object: \(url)")
            }
            guard object.size <= limit else { throw BoundedReadError.tooLarge(size: object.size, limit: limit) }
            let client = try client()
            return try HTTPSession.run { () async throws(SystemError) in
                try await client.read(bucket: location.bucket, object: object, 0, object.size)
            }
        } catch let error as BoundedReadError {
            throw error
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .system(SystemError(code: EIO))
        }
    }

    // MARK: - Writing

    /// Forgets what the last listing said of `location`, which is changing.
    private func forget(_ location: ObjectLocation) {
        _ = listed.withLock { $0.removeValue(forKey: cacheKey(location)) }
    }

    /// `location` when it names an object (not a bucket or a prefix).
    private func objectLocation(_ url: String) throws(SystemError) -> ObjectLocation {
        let location = try location(url)
        guard !location.key.isEmpty, !location.key.hasSuffix("/") else {
            throw SystemError(code: EISDIR, detail: "\(url) names a prefix, not an object")
        }
        return location
    }

    func readVersioned(_ url: String, limit: Int) throws(SystemError) -> (bytes: [UInt8], version: String)? {
        let location = try objectLocation(url)
        guard let object = try object(location, fresh: true) else { return nil }
        guard object.size <= limit else {
            throw SystemError(code: EFBIG, detail: "\(url) is \(object.size) bytes, more than the \(limit) expected")
        }
        let client = try client()
        let bytes = try HTTPSession.run { () async throws(SystemError) in
            try await client.read(bucket: location.bucket, object: object, 0, object.size)
        }
        return (bytes, object.version)
    }

    func write(_ url: String, bytes: [UInt8], condition: WriteCondition) throws(SystemError) -> String? {
        let location = try objectLocation(url)
        let client = try client()
        defer { forget(location) }
        return try HTTPSession.run { () async throws(SystemError) -> String? in
            if let version = try await client.write(bucket: location.bucket, key: location.key, bytes: bytes, condition: condition) {
                return version
            }
            // Refused, or retried after an answer that was lost: then the
            // first attempt did the write and the retry saw it as
            // somebody else's. An object holding exactly these bytes is
            // this write (lock bodies carry a random token, so another
            // writer's never match).
            guard let now = try await client.head(bucket: location.bucket, key: location.key), now.size == bytes.count,
                  try await client.read(bucket: location.bucket, object: now, 0, now.size) == bytes else { return nil }
            return now.version
        }
    }

    func upload(file: String, to url: String) throws(SystemError) {
        let location = try objectLocation(url)
        let handle = try FileHandle(path: file, options: .readOnly)
        let identity = try handle.identity()
        guard identity.isRegularFile else {
            throw SystemError(code: EINVAL, detail: "\(file) is not a regular file: only files are uploaded")
        }
        let client = try client()
        defer { forget(location) }
        try HTTPSession.run { () async throws(SystemError) in
            try await client.upload(bucket: location.bucket, key: location.key, file: FileBody(path: file, size: identity.size))
        }
    }

    func copy(_ source: String, to destination: String) throws(SystemError) {
        let from = try objectLocation(source), to = try objectLocation(destination)
        let client = try client()
        defer { forget(to) }
        try HTTPSession.run { () async throws(SystemError) in
            try await client.copy(bucket: to.bucket, key: to.key, sourceBucket: from.bucket, sourceKey: from.key)
        }
    }

    func delete(_ url: String, ifVersion: String?) throws(SystemError) -> Bool {
        let location = try objectLocation(url)
        let client = try client()
        defer { forget(location) }
        return try HTTPSession.run { () async throws(SystemError) in
            try await client.delete(bucket: location.bucket, key: location.key, ifVersion: ifVersion)
        }
    }
}
