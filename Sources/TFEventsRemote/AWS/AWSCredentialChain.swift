import NIOCore
import NIOHTTP1
import Synchronization
import TFEventsSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds S3 credentials the way the AWS CLI does, first match wins:
///
/// 1. `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`);
/// 2. the profile (`AWS_PROFILE`, default `default`) in `~/.aws/credentials`,
///    then in `~/.aws/config`;
/// 3. a web-identity token (`AWS_WEB_IDENTITY_TOKEN_FILE` with
///    `AWS_ROLE_ARN`, as on EKS), exchanged with STS;
/// 4. the instance's role through IMDSv2 (EC2, unless
///    `AWS_EC2_METADATA_DISABLED=true`);
/// 5. none: requests go unsigned (public buckets).
///
/// Temporary credentials are fetched again shortly before they expire.
final class AWSCredentialChain: Sendable {
    private let files: AWSConfigFiles
    private let region: String
    private let environment: @Sendable (String) -> String?
    private let cached = Mutex<AWSCredentials??>(nil)

    init(files: AWSConfigFiles, region: String, environment: @escaping @Sendable (String) -> String? = Environment.value) {
        self.files = files
        self.region = region
        self.environment = environment
    }

    /// A chain that always answers `credentials` (nil: unsigned).
    init(fixed credentials: AWSCredentials?) {
        files = AWSConfigFiles(profile: "default", credentials: [:], config: [:], credentialsPath: "", configPath: "")
        region = "us-east-1"
        environment = { _ in nil }
        cached.withLock { $0 = .some(credentials) }
    }

    /// Where this chain looked, for the message of a refused or anonymous request.
    var searched: String {
        "AWS_ACCESS_KEY_ID, profile \(files.profile) in \(files.credentialsPath) and \(files.configPath), "
            + "AWS_WEB_IDENTITY_TOKEN_FILE, EC2 instance metadata"
    }

    /// The credentials to sign with, or nil for unsigned requests.
    func resolve() async throws(SystemError) -> AWSCredentials? {
        if let known = cached.withLock({ $0 }) {
            guard let credentials = known, let expiration = credentials.expiration,
                  expiration - 300 < Double(time(nil)) else { return known }
        }
        let found = try await find()
        cached.withLock { $0 = .some(found) }
        return found
    }

    private func find() async throws(SystemError) -> AWSCredentials? {
        if let id = environment("AWS_ACCESS_KEY_ID"), let secret = environment("AWS_SECRET_ACCESS_KEY") {
            return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment("AWS_SESSION_TOKEN"),
                                  source: "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
        }
        for (settings, path) in [(files.credentials, files.credentialsPath), (files.config, files.configPath)] {
            if let id = settings["aws_access_key_id"], let secret = settings["aws_secret_access_key"] {
                return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: settings["aws_session_token"],
                                      source: "profile \(files.profile) in \(path)")
            }
        }
        if let tokenFile = environment("AWS_WEB_IDENTITY_TOKEN_FILE") ?? files.config["web_identity_token_file"],
           let role = environment("AWS_ROLE_ARN") ?? files.config["role_arn"] {
            return try await webIdentity(tokenFile: tokenFile, role: role)
        }
        if environment("AWS_EC2_METADATA_DISABLED")?.lowercased() != "true" {
            return await instanceMetadata()
        }
        return nil
    }

    /// STS `AssumeRoleWithWebIdentity` (an unsigned request).
    private func webIdentity(tokenFile: String, role: String) async throws(SystemError) -> AWSCredentials {
        let token: String
        do { token = String(decoding: try FileOperations.readFile(tokenFile), as: UTF8.self).trimmingSpaces } catch {
            throw SystemError(code: EACCES, detail: "cannot read the web-identity token \(tokenFile): \(error)")
        }
        let session = environment("AWS_ROLE_SESSION_NAME") ?? "tfevents"
        let endpoint = environment("AWS_ENDPOINT_URL_STS") ?? "https://sts.\(region).amazonaws.com"
        let form = [("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role),
                    ("RoleSessionName", session), ("WebIdentityToken", token)]
            .map { "\($0.0)=\(SignatureV4.encode($0.1, keepingSlashes: false))" }.joined(separator: "&")
        let reply = try await HTTPSession.send("STS AssumeRoleWithWebIdentity at \(endpoint)") {
            HTTPExchange(method: .POST, url: endpoint + "/",
                         headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
        }
        let text = Substring(reply.text)
        guard reply.status == 200, let id = XMLText.value("AccessKeyId", in: text),
              let secret = XMLText.value("SecretAccessKey", in: text) else {
            throw SystemError(code: EACCES, detail: "STS refused the web-identity token \(tokenFile) for \(role) "
                              + "(HTTP \(reply.status) \(XMLText.value("Message", in: text) ?? ""))")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: XMLText.value("SessionToken", in: text),
                              source: "web identity \(tokenFile) as \(role)",
                              expiration: XMLText.value("Expiration", in: text).flatMap(Self.seconds))
    }

    /// The instance role's credentials from IMDSv2, or nil off EC2 (one
    /// short attempt: a machine without the service answers nothing).
    private func instanceMetadata() async -> AWSCredentials? {
        let base = environment("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254"
        func get(_ path: String, _ headers: [(String, String)], method: HTTPMethod = .GET) async -> String? {
            var request = HTTPSession.request(HTTPExchange(method: method, url: base + path,
                                                           headers: headers.map { (name: $0.0, value: $0.1) }))
            request.headers.replaceOrAdd(name: "Connection", value: "close")
            guard let response = try? await HTTPSession.client.execute(request, timeout: .seconds(1)),
                  response.status == .ok, let body = try? await response.body.collect(upTo: 1 << 16) else { return nil }
            return String(buffer: body)
        }
        guard let token = await get("/latest/api/token", [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], method: .PUT),
              let roles = await get("/latest/meta-data/iam/security-credentials/", [("X-aws-ec2-metadata-token", token)]),
              let role = roles.split(separator: "\n").first.map(String.init),
              let document = await get("/latest/meta-data/iam/security-credentials/" + role, [("X-aws-ec2-metadata-token", token)]) else {
            return nil
        }
        struct Answer: Decodable {
            let AccessKeyId: String
            let SecretAccessKey: String
            let Token: String?
            let Expiration: String?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(document.utf8)) else { return nil }
        return AWSCredentials(accessKeyID: answer.AccessKeyId, secretAccessKey: answer.SecretAccessKey, sessionToken: answer.Token,
                              source: "EC2 instance role \(role)", expiration: answer.Expiration.flatMap(Self.seconds))
    }

    /// Seconds since the epoch of an ISO 8601 time (`2026-11-30T12:00:00Z`).
    static func seconds(_ text: String) -> Double? {
        Timestamps.seconds(iso8601: text)
    }
}
