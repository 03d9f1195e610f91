import Foundation
import Testing
@testable import TFEventsRemote
@testable import TFEventsSystem
import TFEventsTestSupport

/// The preconditions the export lock and commit rely on, against SeaweedFS
/// (a real S3 server that honours them; the GCS emulator ignores
/// generation preconditions, so they are not tested there): create-only,
/// replace-only-this-version, delete-only-this-version; and the
/// server-side copy.
@Suite("Remote writes: conditional writes, deletes and copies on S3")
struct ConditionalWriteTests {
    func client() throws -> S3Client {
        let s3 = try #require(RemoteServers.s3)
        let credentials = AWSCredentials(accessKeyID: s3.key, secretAccessKey: s3.secret, sessionToken: nil, source: "the test")
        return S3Client(endpoint: s3.endpoint, region: "us-east-1", credentials: AWSCredentialChain(fixed: credentials), pageSize: 1000)
    }

    @Test("If-None-Match: * creates once; If-Match replaces and deletes only the named version; CopyObject copies",
          .enabled(if: RemoteServers.enabled("s3")))
    func preconditions() throws {
        let client = try client()
        let bucket = RemoteServers.freshBucket("cond")
        try HTTPSession.run { () async throws(SystemError) in try await client.createBucket(bucket) }
        func write(_ text: String, _ condition: WriteCondition) throws -> String? {
            try HTTPSession.run { () async throws(SystemError) in
                try await client.write(bucket: bucket, key: "dir/lock", bytes: Array(text.utf8), condition: condition)
            }
        }
        func delete(_ version: String?) throws -> Bool {
            try HTTPSession.run { () async throws(SystemError) in try await client.delete(bucket: bucket, key: "dir/lock", ifVersion: version) }
        }
        func read(_ key: String) throws -> String? {
            try HTTPSession.run { () async throws(SystemError) -> String? in
                guard let object = try await client.head(bucket: bucket, key: key) else { return nil }
                return String(decoding: try await client.read(bucket: bucket, object: object, 0, object.size), as: UTF8.self)
            }
        }

        let first = try #require(try write("one", .absent))
        #expect(try write("two", .absent) == nil, "a second create-only write loses")
        #expect(try read("dir/lock") == "one")
        #expect(try write("three", .version("\"0123456789abcdef0123456789abcdef\"")) == nil, "another version: refused")
        let second = try #require(try write("four", .version(first)), "its own version: replaced")
        #expect(second != first)
        #expect(try read("dir/lock") == "four")
        #expect(try delete(first) == false, "an old version is not deleted")
        #expect(try read("dir/lock") == "four")

        try HTTPSession.run { () async throws(SystemError) in
            try await client.copy(bucket: bucket, key: "elsewhere/copy", sourceBucket: bucket, sourceKey: "dir/lock")
        }
        #expect(try read("elsewhere/copy") == "four")
        #expect(try delete(second) == true)
        #expect(try read("dir/lock") == nil)
        #expect(try delete(nil) == true, "deleting what is gone is no error")

        // A copy of nothing fails, naming the object.
        #expect(throws: SystemError.self) {
            try HTTPSession.run { () async throws(SystemError) in
                try await client.copy(bucket: bucket, key: "x", sourceBucket: bucket, sourceKey: "no/such/key")
            }
        }
    }

    @Test("a streamed upload of a file stores its bytes exactly", .enabled(if: RemoteServers.enabled("s3")))
    func upload() throws {
        let client = try client()
        let bucket = RemoteServers.freshBucket("upload")
        try HTTPSession.run { () async throws(SystemError) in try await client.createBucket(bucket) }
        let scratch = ScratchDirectory()
        // Larger than one 4 MiB chunk and not a multiple of it.
        var bytes = [UInt8](repeating: 0, count: (9 << 20) + 12345)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 13) }
        try scratch.write("big.bin", bytes)
        let file = FileBody(path: scratch.path + "/big.bin", size: bytes.count)
        try HTTPSession.run { () async throws(SystemError) in
            try await client.upload(bucket: bucket, key: "big.bin", file: file)
        }
        let stored = try HTTPSession.run { () async throws(SystemError) -> [UInt8] in
            guard let object = try await client.head(bucket: bucket, key: "big.bin") else { return [] }
            return try await client.read(bucket: bucket, object: object, 0, object.size)
        }
        #expect(stored.count == bytes.count)
        #expect(stored == bytes)
    }

    @Test("an upload completes while every thread of Swift's cooperative pool is blocked",
          .enabled(if: RemoteServers.enabled("s3")))
    func uploadWithBlockedPool() async throws {
        // The first streamed uploads iterated their body in a task of the
        // cooperative pool; a caller blocking the pool's threads (this
        // test, a test runner, synchronous code called from async code)
        // starved it, and SeaweedFS timed out waiting for the body (CI).
        let client = try client()
        let bucket = RemoteServers.freshBucket("pool")
        try HTTPSession.run { () async throws(SystemError) in try await client.createBucket(bucket) }
        let scratch = ScratchDirectory()
        let bytes = (0 ..< (5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try scratch.write("body.bin", bytes)
        let file = FileBody(path: scratch.path + "/body.bin", size: bytes.count)
        let release = DispatchSemaphore(value: 0)
        let width = ProcessInfo.processInfo.activeProcessorCount
        for _ in 0 ..< width { Task.detached { release.wait() } }  // hold the other threads of the pool
        defer { for _ in 0 ..< width { release.signal() } }
        let started = Date()
        try HTTPSession.run { () async throws(SystemError) in  // and this one
            try await client.upload(bucket: bucket, key: "body.bin", file: file)
        }
        #expect(Date().timeIntervalSince(started) < 20)
        let stored = try HTTPSession.run { () async throws(SystemError) -> [UInt8] in
            guard let object = try await client.head(bucket: bucket, key: "body.bin") else { return [] }
            return try await client.read(bucket: bucket, object: object, 0, object.size)
        }
        #expect(stored == bytes)
    }
}
