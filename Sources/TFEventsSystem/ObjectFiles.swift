#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations of ``FileOperations`` when a path is a bucket URL:
/// what each one means where keys are files, prefixes are directories and
/// nothing is renamed or appended to.
///
/// - Directories do not exist on their own: creating one does nothing, and
///   one exists while some key starts with its prefix.
/// - A new file is one conditional write (`If-None-Match: *`,
///   `ifGenerationMatch=0`): `EEXIST` when the key is taken.
/// - Copies between objects of one store happen on the server; a local file
///   is uploaded as a stream; an object is downloaded to a local file.
/// - Removing a tree deletes every key under the prefix.
/// - Appending rewrites the object (small logs only).
enum ObjectFiles {
    /// `writeNewFile` on a URL.
    static func writeNew(_ url: String, _ bytes: [UInt8], in store: any ObjectStore) throws(SystemError) {
        guard try store.write(url, bytes: bytes, condition: .absent) != nil else {
            throw SystemError(code: EEXIST, detail: "\(url) exists")
        }
    }

    /// `copyFile` when either end is a URL.
    static func copy(_ source: String, to destination: String) throws(SystemError) {
        switch (ObjectStores.store(for: source), ObjectStores.store(for: destination)) {
        case (nil, nil):
            try FileOperations.copyFile(source, to: destination)
        case (nil, .some(let store)):
            try store.upload(file: source, to: destination)
        case (.some(let store), nil):
            try FileOperations.download(source, to: destination, from: store)
        case (.some, .some(let store)) where ObjectStores.scheme(of: source) == ObjectStores.scheme(of: destination):
            try store.copy(source, to: destination)
        case (.some(let from), .some(let to)):
            // Between two stores: through a local file, the only common ground.
            let staging = try FileOperations.temporaryFile()
            defer { FileOperations.removeIfPresent(staging) }
            try FileOperations.download(source, to: staging, from: from, replacing: true)
            try to.upload(file: staging, to: destination)
        }
    }

    /// The largest object ``append(_:to:in:)`` rewrites: 64 MiB.
    static let appendLimit = 64 << 20

    /// `append` on a URL: objects cannot grow, so the object is read and
    /// written again with the bytes added, on the condition that nobody
    /// replaced it in between (tried again up to 4 times when somebody did).
    static func append(_ bytes: [UInt8], to url: String, in store: any ObjectStore) throws(SystemError) {
        for _ in 0 ..< 4 {
            let current = try store.readVersioned(url, limit: appendLimit)
            let condition: WriteCondition = current.map { .version($0.version) } ?? .absent
            if try store.write(url, bytes: (current?.bytes ?? []) + bytes, condition: condition) != nil { return }
        }
        throw SystemError(code: EAGAIN, detail: "\(url) kept changing while being appended to")
    }

    /// `removeTree` on a URL: the object with that key, and every key below
    /// the prefix. Nothing there is not an error.
    static func removeTree(_ url: String, in store: any ObjectStore) throws(SystemError) {
        var keys: [String] = []
        do { keys = try store.listTree(url) } catch where error.code == ENOENT || error.code == ENOTDIR {}
        for relative in keys.sorted() {
            _ = try store.delete(FilePaths.join(url, relative), ifVersion: nil)
        }
        do { _ = try store.delete(url, ifVersion: nil) } catch where error.code == EISDIR {}  // a bucket or a "dir/"
    }

}
