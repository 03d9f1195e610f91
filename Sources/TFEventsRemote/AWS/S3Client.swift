import AsyncHTTPClient
import Crypto
import NIOCore
import NIOHTTP1
import TFEventsSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Amazon S3 and S3-compatible stores (MinIO, Ceph, R2, SeaweedFS), over
/// the REST API with Signature Version 4.
///
/// The endpoint is `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` or the
/// profile's `endpoint_url` (path-style addressing: `ENDPOINT/BUCKET/KEY`),
/// else AWS itself (`https://BUCKET.s3.REGION.amazonaws.com/KEY`). The
/// region is `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`,
/// else `us-east-1`.
struct S3Client: ObjectService {
    let endpoint: String?
    let region: String
    let credentials: AWSCredentialChain
    /// Keys per listing page (`TFEVENTS_S3_PAGE_SIZE`; S3's maximum is 1000).
    let pageSize: Int

    static func fromEnvironment() -> S3Client {
        let files = AWSConfigFiles.load()
        let region = Environment.value("AWS_REGION") ?? Environment.value("AWS_DEFAULT_REGION")
            ?? files.config["region"] ?? "us-east-1"
        var endpoint = Environment.value("AWS_ENDPOINT_URL_S3") ?? Environment.value("AWS_ENDPOINT_URL") ?? files.config["endpoint_url"]
        while endpoint?.hasSuffix("/") == true { endpoint?.removeLast() }
        let page = Environment.value("TFEVENTS_S3_PAGE_SIZE").flatMap(Int.init).map { max(1, min(1000, $0)) } ?? 1000
        return S3Client(endpoint: endpoint, region: region, credentials: AWSCredentialChain(files: files, region: region),
                        pageSize: page)
    }

    /// The URL, host and wire path of `key` in `bucket`.
    func address(bucket: String, key: String) -> (base: String, host: String, path: String) {
        let encodedKey = SignatureV4.encode(key, keepingSlashes: true)
        if let endpoint {
            let afterScheme = endpoint.firstRange(of: "://").map { endpoint[$0.upperBound...] } ?? endpoint[...]
            let host = String(afterScheme.prefix(while: { $0 != "/" }))
            let basePath = String(afterScheme.dropFirst(host.count))
            let path = basePath + "/" + SignatureV4.encode(bucket, keepingSlashes: false) + "/" + encodedKey
            return (String(endpoint.prefix(endpoint.count - basePath.count)), host, path)
        }
        if bucket.contains(".") {
            let host = "s3.\(region).amazonaws.com"
            return ("https://" + host, host, "/" + bucket + "/" + encodedKey)
        }
        let host = "\(bucket).s3.\(region).amazonaws.com"
        return ("https://" + host, host, "/" + encodedKey)
    }

    /// A signed request (unsigned without credentials).
    func exchange(_ method: HTTPMethod, bucket: String, key: String, query: [(String, String)] = [],
                  headers: [(String, String)] = [], body: [UInt8]? = nil, unsignedPayload: Bool = false,
                  using credentials: AWSCredentials?) -> HTTPExchange {
        let (base, host, path) = address(bucket: bucket, key: key)
        var request = SignatureV4.Request(
            method: method.rawValue, path: path,
            query: query.map { (name: $0.0, value: $0.1) },
            headers: [(name: "host", value: host)] + headers.map { (name: $0.0, value: $0.1) },
            payloadHash: unsignedPayload ? "UNSIGNED-PAYLOAD" : body.map { SHA256.hash(data: $0).hex } ?? SignatureV4.emptyPayloadHash)
        request.headers.append((name: "x-amz-content-sha256", value: request.payloadHash))
        if let credentials {
            SignatureV4(credentials: credentials, region: region, service: "s3").sign(&request, date: Self.amzDate())
        }
        let queryText = query.map { SignatureV4.encode($0.0, keepingSlashes: false) + "=" + SignatureV4.encode($0.1, keepingSlashes: false) }
            .joined(separator: "&")
        return HTTPExchange(method: method, url: base + path + (queryText.isEmpty ? "" : "?" + queryText),
                            headers: request.headers.map { (name: $0.name, value: $0.value) }, body: body)
    }

    /// Now as `YYYYMMDDTHHMMSSZ`.
    static func amzDate() -> String {
        var now = time(nil)
        var parts = unsafe tm()
        _ = unsafe gmtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let (year, month, day) = unsafe (parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
        let (hour, minute, second) = unsafe (parts.tm_hour, parts.tm_min, parts.tm_sec)
        return "\(year)\(two(month))\(two(day))T\(two(hour))\(two(minute))\(two(second))Z"
    }

    /// The error for an answer S3 did not accept: its code and message, the
    /// URL, and for 401/403 which credentials were sent.
    func failure(_ reply: HTTPReply, url: String, using credentials: AWSCredentials?) -> SystemError {
        let text = Substring(reply.text)
        let code = XMLText.value("Code", in: text) ?? ""
        let message = XMLText.value("Message", in: text) ?? ""
        let what = "HTTP \(reply.status)" + (code.isEmpty ? "" : " \(code)") + (message.isEmpty ? "" : ": \(message)")
        switch reply.status {
        case 404 where code == "NoSuchBucket":
            return SystemError(code: ENOENT, detail: "no such bucket (\(url): \(what))")
        case 404:
            return SystemError(code: ENOENT, detail: "no such object (\(url): \(what))")
        case 401, 403:
            let who = credentials.map { "credentials from \($0.source)" } ?? "no credentials (searched \(self.credentials.searched))"
            return SystemError(code: EACCES, detail: "access denied to \(url) (\(what)) with \(who)")
        case 412:
            return SystemError(code: ESTALE, detail: "\(url) changed while being read (\(what))")
        default:
            return SystemError(code: EIO, detail: "\(url): \(what)")
        }
    }

    func list(bucket: String, prefix: String, recursive: Bool) async throws(SystemError) -> RemoteListing {
        let credentials = try await self.credentials.resolve()
        var listing = RemoteListing()
        var token: String?
        let url = "s3://\(bucket)/\(prefix)"
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", String(pageSize))]
            if !recursive { query.append(("delimiter", "/")) }
            if let token { query.append(("continuation-token", token)) }
            let request = exchange(.GET, bucket: bucket, key: "", query: query, using: credentials)
            let reply = try await HTTPSession.send("listing \(url)", bodyLimit: 64 << 20) { request }
            guard reply.status == 200 else { throw failure(reply, url: url, using: credentials) }
            let text = Substring(reply.text)
            for entry in XMLText.elements("Contents", in: text) {
                guard let key = XMLText.value("Key", in: entry), let size = XMLText.value("Size", in: entry).flatMap(Int.init) else { continue }
                listing.objects.append(RemoteObject(key: key, size: size, version: XMLText.value("ETag", in: entry) ?? "",
                                                    modified: XMLText.value("LastModified", in: entry).flatMap(Self.nanoseconds) ?? 0))
            }
            for entry in XMLText.elements("CommonPrefixes", in: text) {
                if let prefix = XMLText.value("Prefix", in: entry) { listing.prefixes.append(prefix) }
            }
            token = XMLText.value("IsTruncated", in: text) == "true" ? XMLText.value("NextContinuationToken", in: text) : nil
        } while token != nil
        return listing
    }

    func head(bucket: String, key: String) async throws(SystemError) -> RemoteObject? {
        let credentials = try await self.credentials.resolve()
        let request = exchange(.HEAD, bucket: bucket, key: key, using: credentials)
        let reply = try await HTTPSession.send("s3://\(bucket)/\(key)") { request }
        if reply.status == 404 { return nil }
        guard reply.status == 200 else {
            // A HEAD answer has no body, so no error code: ask for one byte
            // to learn why (SignatureDoesNotMatch, InvalidAccessKeyId...).
            let probe = exchange(.GET, bucket: bucket, key: key, headers: [("Range", "bytes=0-0")], using: credentials)
            let explained = try await HTTPSession.send("s3://\(bucket)/\(key)", bodyLimit: 64 << 10) { probe }
            if explained.status == 404 { return nil }
            throw failure(explained.status == 206 || explained.status == 200 ? reply : explained,
                          url: "s3://\(bucket)/\(key)", using: credentials)
        }
        guard let size = reply.headers.first(name: "Content-Length").flatMap(Int.init) else {
            throw SystemError(code: EIO, detail: "s3://\(bucket)/\(key): no Content-Length in the answer")
        }
        return RemoteObject(key: key, size: size, version: reply.headers.first(name: "ETag") ?? "",
                            modified: reply.headers.first(name: "Last-Modified").flatMap(Self.httpNanoseconds) ?? 0)
    }

    func block(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> ByteBuffer {
        let credentials = try await self.credentials.resolve()
        let url = "s3://\(bucket)/\(object.key)"
        return try await HTTPSession.download(url, lower, upper, make: { start in
            var headers = [("Range", "bytes=\(start)-\(upper - 1)")]
            if !object.version.isEmpty { headers.append(("If-Match", object.version)) }
            return exchange(.GET, bucket: bucket, key: object.key, headers: headers, using: credentials)
        }, failure: { failure($0, url: url, using: credentials) })
    }

    func read(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> [UInt8] {
        guard upper > lower else { return [] }
        let buffer = try await block(bucket: bucket, object: object, lower, upper)
        return Array(buffer.readableBytesView)
    }

    func write(bucket: String, key: String, bytes: [UInt8], condition: WriteCondition) async throws(SystemError) -> String? {
        let credentials = try await self.credentials.resolve()
        let url = "s3://\(bucket)/\(key)"
        var headers: [(String, String)] = []
        switch condition {
        case .always: break
        case .absent: headers.append(("If-None-Match", "*"))
        case .version(let etag): headers.append(("If-Match", etag))
        }
        let request = exchange(.PUT, bucket: bucket, key: key, headers: headers, body: bytes, using: credentials)
        let reply = try await HTTPSession.send("writing \(url)") { request }
        // 409 ConditionalRequestConflict: another conditional write to the key won.
        if condition != .always && (reply.status == 412 || reply.status == 409) { return nil }
        guard reply.status == 200 else { throw failure(reply, url: url, using: credentials) }
        return reply.headers.first(name: "ETag") ?? ""
    }

    /// The largest object one PUT (or one CopyObject) can write: 5 GiB.
    static let singleRequestLimit = 5 << 30

    func upload(bucket: String, key: String, file: FileBody) async throws(SystemError) {
        let url = "s3://\(bucket)/\(key)"
        guard file.size <= Self.singleRequestLimit else {
            throw SystemError(code: EFBIG, detail: "\(file.path) is \(file.size) bytes: uploads to S3 are single requests, at most 5 GiB (multipart uploads are not implemented)")
        }
        let credentials = try await self.credentials.resolve()
        let reply = try await HTTPSession.send("uploading \(file.path) to \(url)") {
            var request = exchange(.PUT, bucket: bucket, key: key, unsignedPayload: true, using: credentials)
            request.bodyFile = file
            return request
        }
        guard reply.status == 200 else { throw failure(reply, url: url, using: credentials) }
    }

    func copy(bucket: String, key: String, sourceBucket: String, sourceKey: String) async throws(SystemError) {
        let credentials = try await self.credentials.resolve()
        let url = "s3://\(bucket)/\(key)"
        let source = "/" + SignatureV4.encode(sourceBucket, keepingSlashes: false) + "/" + SignatureV4.encode(sourceKey, keepingSlashes: true)
        let request = exchange(.PUT, bucket: bucket, key: key, headers: [("x-amz-copy-source", source)], using: credentials)
        let reply = try await HTTPSession.send("copying s3://\(sourceBucket)/\(sourceKey) to \(url)") { request }
        // A copy can fail after its 200 has been sent: the error is then the body.
        guard reply.status == 200, !reply.text.contains("<Error>") else {
            throw failure(reply.status == 200 ? HTTPReply(status: 500, headers: reply.headers, body: reply.body) : reply,
                          url: url, using: credentials)
        }
    }

    func delete(bucket: String, key: String, ifVersion: String?) async throws(SystemError) -> Bool {
        let credentials = try await self.credentials.resolve()
        let url = "s3://\(bucket)/\(key)"
        let request = exchange(.DELETE, bucket: bucket, key: key, headers: ifVersion.map { [("If-Match", $0)] } ?? [],
                               using: credentials)
        let reply = try await HTTPSession.send("deleting \(url)") { request }
        if ifVersion != nil && reply.status == 412 { return false }
        guard reply.status == 204 || reply.status == 200 || reply.status == 404 else {
            throw failure(reply, url: url, using: credentials)
        }
        return true
    }

    /// Creates a bucket (tests and first-time setups).
    func createBucket(_ bucket: String) async throws(SystemError) {
        let credentials = try await self.credentials.resolve()
        let request = exchange(.PUT, bucket: bucket, key: "", using: credentials)
        let reply = try await HTTPSession.send("creating bucket \(bucket)") { request }
        guard reply.status == 200 || reply.status == 409 else { throw failure(reply, url: "s3://\(bucket)/", using: credentials) }
    }

    static func nanoseconds(_ iso: String) -> Int64? {
        Timestamps.seconds(iso8601: iso).map { Timestamps.nanoseconds($0) }
    }

    static func httpNanoseconds(_ text: String) -> Int64? {
        Timestamps.seconds(httpDate: text).map { Timestamps.nanoseconds($0) }
    }
}
