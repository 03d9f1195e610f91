import Crypto
import Foundation
import Testing
import _CryptoExtras
@testable import TFEventsRemote
@testable import TFEventsSystem

@Suite("Credentials: AWS files, Google service accounts")
struct CredentialFileTests {
    @Test("~/.aws/credentials and ~/.aws/config: sections, profiles, comments, nested blocks")
    func awsFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        # comment
        [default]
        aws_access_key_id = DEFAULTKEY
        aws_secret_access_key = default/secret

        [work]
        AWS_ACCESS_KEY_ID=WORKKEY
        aws_secret_access_key =  work+secret\t
        aws_session_token = tok==
        """.write(toFile: dir + "/credentials", atomically: true, encoding: .utf8)
        try """
        [default]
        region = eu-west-1
        [profile work]
        region = us-west-2
        endpoint_url = http://127.0.0.1:9000
        s3 =
          addressing_style = path
        ; another comment
        """.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        let env: [String: String] = ["AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials", "AWS_CONFIG_FILE": dir + "/config",
                                     "AWS_PROFILE": "work"]
        let work = AWSConfigFiles.load(environment: { env[$0] })
        #expect(work.profile == "work")
        #expect(work.credentials["aws_access_key_id"] == "WORKKEY")
        #expect(work.credentials["aws_secret_access_key"] == "work+secret")
        #expect(work.credentials["aws_session_token"] == "tok==")
        #expect(work.config["region"] == "us-west-2")
        #expect(work.config["endpoint_url"] == "http://127.0.0.1:9000")
        #expect(work.config["addressing_style"] == nil)
        let fallback = AWSConfigFiles.load(environment: { $0 == "AWS_PROFILE" ? nil : env[$0] })
        #expect(fallback.profile == "default")
        #expect(fallback.credentials["aws_access_key_id"] == "DEFAULTKEY")
        #expect(fallback.config["region"] == "eu-west-1")

        let chain = AWSCredentialChain(files: work, region: "us-west-2", environment: { name in
            name == "AWS_EC2_METADATA_DISABLED" ? "true" : nil
        })
        let found = try HTTPSession.run { () async throws(SystemError) in try await chain.resolve() }
        #expect(found?.accessKeyID == "WORKKEY")
        #expect(found?.sessionToken == "tok==")
        #expect(found?.source == "profile work in \(dir)/credentials")

        let fromEnvironment = AWSCredentialChain(files: work, region: "us-west-2", environment: { name in
            ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret"][name]
        })
        let environmentFirst = try HTTPSession.run { () async throws(SystemError) in try await fromEnvironment.resolve() }
        #expect(environmentFirst?.accessKeyID == "ENVKEY")

        let none = AWSCredentialChain(files: AWSConfigFiles.load(environment: { ["HOME": dir + "/nowhere"][$0] }),
                                      region: "us-east-1", environment: { $0 == "AWS_EC2_METADATA_DISABLED" ? "true" : nil })
        #expect(try HTTPSession.run { () async throws(SystemError) in try await none.resolve() } == nil)
    }

    @Test("a service account's key becomes an RS256 JWT that its public key verifies, with the claims Google expects")
    func serviceAccountJWT() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let document: [String: String] = [
            "type": "service_account", "project_id": "p", "private_key_id": "k1d", "private_key": key.pemRepresentation,
            "client_email": "exporter@p.iam.gserviceaccount.com", "token_uri": "https://oauth2.example.test/token",
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard case .serviceAccount(let account, let from) = try GoogleCredentials.load(path, named: "GOOGLE_APPLICATION_CREDENTIALS") else {
            Issue.record("not read as a service account")
            return
        }
        #expect(from == path)
        let jwt = try account.assertion(issuedAt: 1_800_000_000)
        let parts = jwt.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        func decode(_ part: String) throws -> [String: Any] {
            var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            let data = try #require(Data(base64Encoded: base64))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let header = try decode(parts[0]), claims = try decode(parts[1])
        #expect(header["alg"] as? String == "RS256")
        #expect(header["typ"] as? String == "JWT")
        #expect(header["kid"] as? String == "k1d")
        #expect(claims["iss"] as? String == "exporter@p.iam.gserviceaccount.com")
        #expect(claims["aud"] as? String == "https://oauth2.example.test/token")
        #expect(claims["scope"] as? String == "https://www.googleapis.com/auth/devstorage.read_write")
        #expect(claims["iat"] as? Int == 1_800_000_000)
        #expect(claims["exp"] as? Int == 1_800_003_600)
        var signature = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while signature.count % 4 != 0 { signature += "=" }
        let raw = try #require(Data(base64Encoded: signature))
        let input = Array((parts[0] + "." + parts[1]).utf8)
        #expect(key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: SHA256.hash(data: input),
                                               padding: .insecurePKCS1v1_5))
        var tampered = input
        tampered[tampered.count - 1] ^= 1
        #expect(!key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: SHA256.hash(data: tampered),
                                                padding: .insecurePKCS1v1_5))
    }

    @Test("credential files that cannot be used say which file and why")
    func badGoogleFiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (text, expected) in [("not json", "is not JSON"), (#"{"type":"external_account"}"#, "external_account is not supported"),
                                 (#"{"type":"service_account","client_email":"x"}"#, "without client_email or private_key")] {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect {
                _ = try GoogleCredentials.load(path, named: "GOOGLE_APPLICATION_CREDENTIALS")
            } throws: { error in
                "\(error)".contains(expected) && "\(error)".contains(path)
            }
        }
        #expect { _ = try GoogleCredentials.load(path + ".missing", named: "GOOGLE_APPLICATION_CREDENTIALS") } throws: { error in
            "\(error)".contains("cannot read GOOGLE_APPLICATION_CREDENTIALS file")
        }
    }
}
