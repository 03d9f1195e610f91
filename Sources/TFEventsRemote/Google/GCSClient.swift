import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import TFEventsSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Google Cloud Storage through its JSON API: listings, metadata, media
/// downloads pinned to a generation, uploads with a generation
/// precondition. `STORAGE_EMULATOR_HOST` points it at an emulator.
struct GCSClient: ObjectService {
    /// `https://storage.googleapis.com` or the emulator.
    let base: String
    let credentials: GoogleCredentials
    /// Objects per listing page (`TFEVENTS_GCS_PAGE_SIZE`).
    let pageSize: Int

    static func fromEnvironment() throws(SystemError) -> GCSClient {
        var base = "https://storage.googleapis.com"
        if var host = Environment.value("STORAGE_EMULATOR_HOST") {
            while host.hasSuffix("/") { host.removeLast() }
            base = host.contains("://") ? host : "http://" + host
        }
        let page = Environment.value("TFEVENTS_GCS_PAGE_SIZE").flatMap(Int.init).map { max(1, min(1000, $0)) } ?? 1000
        return GCSClient(base: base, credentials: try GoogleCredentials.fromEnvironment(), pageSize: page)
    }

    /// Percent-encodes a path segment or a query value.
    private func encode(_ text: String) -> String { SignatureV4.encode(text, keepingSlashes: false) }

    private func objectURL(_ bucket: String, _ key: String) -> String {
        "\(base)/storage/v1/b/\(encode(bucket))/o/\(encode(key))"
    }

    private func headers(_ extra: [(String, String)] = []) async throws(SystemError) -> [(name: String, value: String)] {
        var headers = extra.map { (name: $0.0, value: $0.1) }
        if let authorization = try await credentials.authorization() { headers.append((name: "Authorization", value: authorization)) }
        return headers
    }

    /// The error for an answer GCS did not accept.
    func failure(_ reply: HTTPReply, url: String) -> SystemError {
        struct Answer: Decodable {
            struct Inner: Decodable { let message: String? }
            let error: Inner?
        }
        let message = (try? JSONDecoder().decode(Answer.self, from: Data(reply.text.utf8)))?.error?.message
            ?? String(reply.text.prefix(200))
        let what = "HTTP \(reply.status)" + (message.isEmpty ? "" : ": \(message)")
        switch reply.status {
        case 404: return SystemError(code: ENOENT, detail: "no such object or bucket (\(url): \(what))")
        case 401, 403: return SystemError(code: EACCES, detail: "access denied to \(url) (\(what)) with \(credentials.description)")
        case 412: return SystemError(code: ESTALE, detail: "\(url) changed while being read (\(what))")
        default: return SystemError(code: EIO, detail: "\(url): \(what)")
        }
    }

    private struct Item: Decodable {
        let name: String
        let size: String?
        let generation: String?
        let updated: String?

        func object() -> RemoteObject {
            RemoteObject(key: name, size: size.flatMap(Int.init) ?? 0, version: generation ?? "",
                         modified: updated.flatMap { Timestamps.seconds(iso8601: $0) }.map { Timestamps.nanoseconds($0) } ?? 0)
        }
    }

    func list(bucket: String, prefix: String, recursive: Bool) async throws(SystemError) -> RemoteListing {
        struct Page: Decodable {
            let items: [Item]?
            let prefixes: [String]?
            let nextPageToken: String?
        }
        var listing = RemoteListing()
        var token: String?
        let url = "gs://\(bucket)/\(prefix)"
        repeat {
            var query = "prefix=\(encode(prefix))&maxResults=\(pageSize)"
            if !recursive { query += "&delimiter=%2F" }
            if let token { query += "&pageToken=\(encode(token))" }
            let headers = try await headers()
            let address = "\(base)/storage/v1/b/\(encode(bucket))/o?\(query)"
            let reply = try await HTTPSession.send("listing \(url)", bodyLimit: 64 << 20) { HTTPExchange(url: address, headers: headers) }
            guard reply.status == 200 else { throw failure(reply, url: url) }
            guard let page = try? JSONDecoder().decode(Page.self, from: Data(reply.text.utf8)) else {
                throw SystemError(code: EIO, detail: "listing \(url): the answer is not a listing")
            }
            listing.objects += (page.items ?? []).map { $0.object() }
            listing.prefixes += page.prefixes ?? []
            token = page.nextPageToken.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return listing
    }

    func head(bucket: String, key: String) async throws(SystemError) -> RemoteObject? {
        let headers = try await headers()
        let address = objectURL(bucket, key)
        let url = "gs://\(bucket)/\(key)"
        let reply = try await HTTPSession.send(url) { HTTPExchange(url: address, headers: headers) }
        if reply.status == 404 { return nil }
        guard reply.status == 200, let item = try? JSONDecoder().decode(Item.self, from: Data(reply.text.utf8)) else {
            throw failure(reply, url: url)
        }
        return item.object()
    }

    func block(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> ByteBuffer {
        let headers = try await headers()
        let address = objectURL(bucket, object.key) + "?alt=media" + (object.version.isEmpty ? "" : "&generation=\(object.version)")
        let url = "gs://\(bucket)/\(object.key)"
        return try await HTTPSession.download(url, lower, upper, make: { start in
            HTTPExchange(url: address, headers: headers + [(name: "Range", value: "bytes=\(start)-\(upper - 1)")])
        }, failure: { failure($0, url: url) })
    }

    func read(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> [UInt8] {
        guard upper > lower else { return [] }
        return Array(try await block(bucket: bucket, object: object, lower, upper).readableBytesView)
    }

    /// `&ifGenerationMatch=N` for a condition.
    private func precondition(_ condition: WriteCondition) -> String {
        switch condition {
        case .always: return ""
        case .absent: return "&ifGenerationMatch=0"
        case .version(let generation): return "&ifGenerationMatch=\(encode(generation))"
        }
    }

    func write(bucket: String, key: String, bytes: [UInt8], condition: WriteCondition) async throws(SystemError) -> String? {
        let headers = try await headers([("Content-Type", "application/octet-stream")])
        let address = "\(base)/upload/storage/v1/b/\(encode(bucket))/o?uploadType=media&name=\(encode(key))" + precondition(condition)
        let url = "gs://\(bucket)/\(key)"
        let reply = try await HTTPSession.send("writing \(url)") { HTTPExchange(method: .POST, url: address, headers: headers, body: bytes) }
        if condition != .always && reply.status == 412 { return nil }
        guard reply.status == 200 else { throw failure(reply, url: url) }
        return (try? JSONDecoder().decode(Item.self, from: Data(reply.text.utf8)))?.generation ?? ""
    }

    func upload(bucket: String, key: String, file: FileBody) async throws(SystemError) {
        let headers = try await headers([("Content-Type", "application/octet-stream")])
        let address = "\(base)/upload/storage/v1/b/\(encode(bucket))/o?uploadType=media&name=\(encode(key))"
        let url = "gs://\(bucket)/\(key)"
        let reply = try await HTTPSession.send("uploading \(file.path) to \(url)") {
            HTTPExchange(method: .POST, url: address, headers: headers, bodyFile: file)
        }
        guard reply.status == 200 else { throw failure(reply, url: url) }
    }

    func copy(bucket: String, key: String, sourceBucket: String, sourceKey: String) async throws(SystemError) {
        struct Progress: Decodable {
            let done: Bool?
            let rewriteToken: String?
        }
        let address = objectURL(sourceBucket, sourceKey) + "/rewriteTo/b/\(encode(bucket))/o/\(encode(key))"
        let url = "gs://\(bucket)/\(key)"
        var token: String?
        // A large copy between locations or storage classes takes several
        // calls, each continuing with the token of the last.
        for _ in 0 ..< 10_000 {
            let headers = try await headers([("Content-Type", "application/json")])
            let target = address + (token.map { "?rewriteToken=\(encode($0))" } ?? "")
            let reply = try await HTTPSession.send("copying gs://\(sourceBucket)/\(sourceKey) to \(url)") {
                HTTPExchange(method: .POST, url: target, headers: headers, body: Array("{}".utf8))
            }
            guard reply.status == 200, let progress = try? JSONDecoder().decode(Progress.self, from: Data(reply.text.utf8)) else {
                throw failure(reply, url: url)
            }
            if progress.done != false { return }
            guard let next = progress.rewriteToken, !next.isEmpty else {
                throw SystemError(code: EIO, detail: "copying to \(url): the rewrite is not done and gave no token to continue")
            }
            token = next
        }
        throw SystemError(code: EIO, detail: "copying to \(url): the rewrite did not finish after 10,000 calls")
    }

    func delete(bucket: String, key: String, ifVersion: String?) async throws(SystemError) -> Bool {
        let headers = try await headers()
        let address = objectURL(bucket, key) + (ifVersion.map { "?ifGenerationMatch=\(encode($0))" } ?? "")
        let url = "gs://\(bucket)/\(key)"
        let reply = try await HTTPSession.send("deleting \(url)") { HTTPExchange(method: .DELETE, url: address, headers: headers) }
        if ifVersion != nil && reply.status == 412 { return false }
        guard reply.status == 204 || reply.status == 200 || reply.status == 404 else { throw failure(reply, url: url) }
        return true
    }

    /// Creates a bucket (tests and emulators).
    func createBucket(_ bucket: String) async throws(SystemError) {
        let headers = try await headers([("Content-Type", "application/json")])
        let address = "\(base)/storage/v1/b?project=tfevents"
        struct Bucket: Encodable { let name: String }
        let body = Array((try? JSONEncoder().encode(Bucket(name: bucket))) ?? Data())
        let reply = try await HTTPSession.send("creating bucket \(bucket)") { HTTPExchange(method: .POST, url: address, headers: headers, body: body) }
        guard reply.status == 200 || reply.status == 409 else { throw failure(reply, url: "gs://\(bucket)/") }
    }
}
