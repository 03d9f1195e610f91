import NIOCore
import NIOHTTP1
import Synchronization
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

/// Finds GCS credentials the way Google's client libraries do, first
/// match wins:
///
/// 1. `STORAGE_EMULATOR_HOST`: an emulator, no credentials;
/// 2. `GOOGLE_APPLICATION_CREDENTIALS`: a service account's key file (a
///    signed JWT exchanged for a token) or an `authorized_user` file;
/// 3. `gcloud auth application-default login`'s file
///    (`~/.config/gcloud/application_default_credentials.json`, or under
///    `CLOUDSDK_CONFIG`);
/// 4. the metadata server, on Google Cloud (`GCE_METADATA_HOST`, or a
///    machine whose DMI product name says Google);
/// 5. none: anonymous requests (public buckets).
///
/// Access tokens are cached until five minutes before they expire.
final class GoogleCredentials: Sendable {
    enum Source: Sendable {
        case none
        case serviceAccount(ServiceAccountKey, path: String)
        case authorizedUser(clientID: String, secret: String, refreshToken: String, path: String)
        case metadata(host: String)
    }

    let source: Source
    private let cached = Mutex<(token: String, expires: Double)?>(nil)

    init(source: Source) {
        self.source = source
    }

    /// The source the environment and the files name.
    static func fromEnvironment() throws(SystemError) -> GoogleCredentials {
        if Environment.value("STORAGE_EMULATOR_HOST") != nil { return GoogleCredentials(source: .none) }
        if let path = Environment.value("GOOGLE_APPLICATION_CREDENTIALS") {
            return GoogleCredentials(source: try load(path, named: "GOOGLE_APPLICATION_CREDENTIALS"))
        }
        let config = Environment.value("CLOUDSDK_CONFIG") ?? (Environment.value("HOME") ?? "") + "/.config/gcloud"
        let adc = config + "/application_default_credentials.json"
        if FileOperations.exists(adc) { return GoogleCredentials(source: try load(adc, named: "gcloud application-default credentials")) }
        if let host = Environment.value("GCE_METADATA_HOST") { return GoogleCredentials(source: .metadata(host: host)) }
        if let product = try? FileOperations.readFile("/sys/class/dmi/id/product_name"),
           String(decoding: product, as: UTF8.self).contains("Google") {
            return GoogleCredentials(source: .metadata(host: "metadata.google.internal"))
        }
        return GoogleCredentials(source: .none)
    }

    /// Reads a credentials file.
    static func load(_ path: String, named name: String) throws(SystemError) -> Source {
        let bytes: [UInt8]
        do { bytes = try FileOperations.readFile(path) } catch {
            throw SystemError(code: EACCES, detail: "cannot read \(name) file \(path): \(error)")
        }
        struct Kind: Decodable { let type: String? }
        struct User: Decodable {
            let client_id: String
            let client_secret: String
            let refresh_token: String
        }
        let data = Data(bytes)
        guard let kind = try? JSONDecoder().decode(Kind.self, from: data) else {
            throw SystemError(code: EINVAL, detail: "\(name) file \(path) is not JSON")
        }
        switch kind.type {
        case "service_account":
            guard let key = try? JSONDecoder().decode(ServiceAccountKey.self, from: data) else {
                throw SystemError(code: EINVAL, detail: "\(name) file \(path): a service account without client_email or private_key")
            }
            return .serviceAccount(key, path: path)
        case "authorized_user":
            guard let user = try? JSONDecoder().decode(User.self, from: data) else {
                throw SystemError(code: EINVAL, detail: "\(name) file \(path): an authorized_user without client_id, client_secret or refresh_token")
            }
            return .authorizedUser(clientID: user.client_id, secret: user.client_secret, refreshToken: user.refresh_token, path: path)
        default:
            throw SystemError(code: EINVAL, detail: "\(name) file \(path): credential type \(kind.type ?? "(none)") is not supported "
                              + "(service_account or authorized_user)")
        }
    }

    /// Where the credentials come from, for messages.
    var description: String {
        switch source {
        case .none: return Environment.value("STORAGE_EMULATOR_HOST").map { "no credentials (emulator at \($0))" }
            ?? "no credentials (none in GOOGLE_APPLICATION_CREDENTIALS, gcloud application-default credentials, metadata server)"
        case .serviceAccount(let key, let path): return "service account \(key.client_email) from \(path)"
        case .authorizedUser(_, _, _, let path): return "user credentials from \(path)"
        case .metadata(let host): return "the metadata server \(host)"
        }
    }

    /// `Bearer TOKEN`, or nil for anonymous requests.
    func authorization() async throws(SystemError) -> String? {
        if case .none = source { return nil }
        let now = Double(time(nil))
        if let (token, expires) = cached.withLock({ $0 }), expires - 300 > now { return "Bearer " + token }
        let (token, lifetime) = try await fetchToken(now: Int(now))
        cached.withLock { $0 = (token, now + lifetime) }
        return "Bearer " + token
    }

    private func fetchToken(now: Int) async throws(SystemError) -> (String, Double) {
        let reply: HTTPReply
        let what = "getting an access token for \(description)"
        switch source {
        case .none:
            throw SystemError(code: EACCES, detail: what)
        case .serviceAccount(let key, _):
            let assertion: String
            do { assertion = try key.assertion(issuedAt: now) } catch {
                throw SystemError(code: EINVAL, detail: "\(description): the private key cannot sign (\(error))")
            }
            let form = "grant_type=" + SignatureV4.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", keepingSlashes: false)
                + "&assertion=" + assertion
            let uri = key.token_uri ?? ServiceAccountKey.defaultTokenURI
            reply = try await HTTPSession.send(what) {
                HTTPExchange(method: .POST, url: uri, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
            }
        case .authorizedUser(let id, let secret, let refresh, _):
            let form = [("grant_type", "refresh_token"), ("client_id", id), ("client_secret", secret), ("refresh_token", refresh)]
                .map { "\($0.0)=\(SignatureV4.encode($0.1, keepingSlashes: false))" }.joined(separator: "&")
            reply = try await HTTPSession.send(what) {
                HTTPExchange(method: .POST, url: ServiceAccountKey.defaultTokenURI,
                             headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
            }
        case .metadata(let host):
            reply = try await HTTPSession.send(what) {
                HTTPExchange(url: "http://\(host)/computeMetadata/v1/instance/service-accounts/default/token",
                             headers: [("Metadata-Flavor", "Google")])
            }
        }
        struct Answer: Decodable {
            let access_token: String
            let expires_in: Double?
        }
        guard reply.status == 200, let answer = try? JSONDecoder().decode(Answer.self, from: Data(reply.text.utf8)) else {
            throw SystemError(code: EACCES, detail: "\(what) failed: HTTP \(reply.status) \(reply.text.prefix(300))")
        }
        return (answer.access_token, answer.expires_in ?? 3600)
    }
}
