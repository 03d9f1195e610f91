#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import TFEventsSystem

/// Writes objects with explicit settings rather than the environment's:
/// what the tests and the benchmarks use to fill a bucket.
package struct ObjectUploader: Sendable {
    private let service: any ObjectService
    private let scheme: String

    /// An S3-compatible store at `endpoint` (path-style), signing with
    /// `accessKey`/`secret` (both nil: unsigned).
    package init(s3Endpoint endpoint: String, accessKey: String?, secret: String?, region: String = "us-east-1") {
        let credentials = accessKey.flatMap { key in
            secret.map { AWSCredentials(accessKeyID: key, secretAccessKey: $0, sessionToken: nil, source: "the uploader's settings") }
        }
        service = S3Client(endpoint: endpoint, region: region, credentials: AWSCredentialChain(fixed: credentials), pageSize: 1000)
        scheme = "s3"
    }

    /// A GCS emulator at `endpoint` (no credentials).
    package init(gcsEmulator endpoint: String) {
        service = GCSClient(base: endpoint, credentials: GoogleCredentials(source: .none), pageSize: 1000)
        scheme = "gs"
    }

    /// Creates `bucket` (no error when it exists).
    package func createBucket(_ bucket: String) throws(SystemError) {
        let service = service
        try HTTPSession.run { () async throws(SystemError) in try await service.createBucket(bucket) }
    }

    /// Stores `bytes` at `bucket`/`key`, replacing what is there.
    package func put(_ bytes: [UInt8], bucket: String, key: String) throws(SystemError) {
        let service = service
        _ = try HTTPSession.run { () async throws(SystemError) in
            try await service.write(bucket: bucket, key: key, bytes: bytes, condition: .always)
        }
    }

    /// The object `bucket`/`key`, or nil when there is none.
    package func get(bucket: String, key: String) throws(SystemError) -> [UInt8]? {
        let service = service
        return try HTTPSession.run { () async throws(SystemError) -> [UInt8]? in
            guard let object = try await service.head(bucket: bucket, key: key) else { return nil }
            return try await service.read(bucket: bucket, object: object, 0, object.size)
        }
    }

    /// The keys under `prefix`, at any depth, sorted.
    package func keys(bucket: String, prefix: String) throws(SystemError) -> [String] {
        let service = service
        return try HTTPSession.run { () async throws(SystemError) in
            try await service.list(bucket: bucket, prefix: prefix, recursive: true).objects.map(\.key).sorted()
        }
    }

    /// Removes `bucket`/`key`.
    package func delete(bucket: String, key: String) throws(SystemError) {
        let service = service
        try HTTPSession.run { () async throws(SystemError) in _ = try await service.delete(bucket: bucket, key: key, ifVersion: nil) }
    }

    /// Uploads every regular file under `directory` to `bucket` under
    /// `prefix` (keys `prefix` + relative path), eight at a time.
    /// - Returns: the number of files.
    @discardableResult
    package func upload(directory: String, bucket: String, prefix: String) throws(SystemError) -> Int {
        let files = try FileOperations.listTree(directory)
        let service = service
        let contents: [(String, [UInt8])]
        do { contents = try files.map { ($0, try FileOperations.readFile(FilePaths.join(directory, $0), limit: 1 << 30)) } } catch {
            throw SystemError(code: EIO, detail: "reading \(directory) to upload: \(error)")
        }
        try HTTPSession.run { () async throws(SystemError) in
            var index = 0
            while index < contents.count {
                let batch = contents[index ..< min(contents.count, index + 8)]
                index += batch.count
                var failure: SystemError?
                await withTaskGroup(of: SystemError?.self) { group in
                    for (relative, bytes) in batch {
                        group.addTask {
                            do throws(SystemError) {
                                _ = try await service.write(bucket: bucket, key: prefix + relative, bytes: bytes, condition: .always)
                                return nil
                            } catch { return error }
                        }
                    }
                    for await error in group where error != nil { failure = failure ?? error }
                }
                if let failure { throw failure }
            }
        }
        return files.count
    }

    /// `scheme://bucket/key`.
    package func url(bucket: String, key: String) -> String { "\(scheme)://\(bucket)/\(key)" }
}
