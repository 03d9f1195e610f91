import NIOCore
import TFEventsSystem

/// One object as a listing or a metadata request describes it.
struct RemoteObject: Sendable, Equatable {
    /// The full key.
    var key: String
    /// Bytes.
    var size: Int
    /// What changes when the object is replaced: the ETag on S3, the
    /// generation on GCS. Reads are pinned to it.
    var version: String
    /// Last modification, nanoseconds since the epoch (0 when unknown).
    var modified: Int64 = 0
}

/// One page or more of a listing with a delimiter.
struct RemoteListing: Sendable {
    /// Objects directly under the prefix.
    var objects: [RemoteObject] = []
    /// Sub-prefixes ("directories"), each ending in the delimiter.
    var prefixes: [String] = []
}

/// What both object stores can do: the operations the readers and the
/// tests need, each naming its URL in its errors.
protocol ObjectService: Sendable {
    /// Lists `prefix` with delimiter `/` (or none when `recursive`),
    /// following every page.
    func list(bucket: String, prefix: String, recursive: Bool) async throws(SystemError) -> RemoteListing
    /// The object's metadata, or nil when there is no such object.
    func head(bucket: String, key: String) async throws(SystemError) -> RemoteObject?
    /// Bytes `lower ..< upper` of the object's version `object.version`.
    func read(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> [UInt8]
    /// Downloads a block into a buffer (the readers' path).
    func block(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> NIOCore.ByteBuffer
    /// Stores `bytes` as the object `key` when `condition` holds.
    /// - Returns: the new version (ETag / generation, "" when the answer
    ///   names none); nil when the condition did not hold.
    func write(bucket: String, key: String, bytes: [UInt8], condition: WriteCondition) async throws(SystemError) -> String?
    /// Uploads a local file as the object `key` (replacing it), streamed.
    func upload(bucket: String, key: String, file: FileBody) async throws(SystemError)
    /// Copies `sourceKey` to `key` on the server (CopyObject / rewrite).
    func copy(bucket: String, key: String, sourceBucket: String, sourceKey: String) async throws(SystemError)
    /// Removes the object (no error when absent); with `ifVersion`, only
    /// while that version is current (false when it was not).
    func delete(bucket: String, key: String, ifVersion: String?) async throws(SystemError) -> Bool
    /// Creates a bucket (tests, benchmarks, first-time setups); no error
    /// when it exists.
    func createBucket(_ bucket: String) async throws(SystemError)
}
