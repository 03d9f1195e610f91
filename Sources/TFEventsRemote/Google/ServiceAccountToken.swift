import Crypto
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Google service account's key file (`GOOGLE_APPLICATION_CREDENTIALS`),
/// and the signed JWT that is exchanged for an access token (RFC 7523,
/// RS256: RSASSA-PKCS1-v1_5 with SHA-256).
struct ServiceAccountKey: Decodable, Sendable {
    let type: String
    let client_email: String
    let private_key: String
    let private_key_id: String?
    let token_uri: String?

    /// Where tokens are obtained when the file does not say.
    static let defaultTokenURI = "https://oauth2.googleapis.com/token"

    /// The scope: reading and writing objects (exports write).
    static let scope = "https://www.googleapis.com/auth/devstorage.read_write"

    private struct Header: Encodable {
        let alg = "RS256"
        let typ = "JWT"
        let kid: String?
    }

    private struct Claims: Encodable {
        let iss: String
        let scope: String
        let aud: String
        let iat: Int
        let exp: Int
    }

    /// The signed assertion `header.claims.signature`, valid for an hour
    /// from `issuedAt` (seconds since the epoch).
    func assertion(issuedAt: Int) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = try encoder.encode(Header(kid: private_key_id))
        let claims = try encoder.encode(Claims(iss: client_email, scope: Self.scope, aud: token_uri ?? Self.defaultTokenURI,
                                               iat: issuedAt, exp: issuedAt + 3600))
        let signingInput = Self.base64URL(Array(header)) + "." + Self.base64URL(Array(claims))
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: private_key)
        let signature = try key.signature(for: SHA256.hash(data: Array(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(Array(signature.rawRepresentation))
    }

    /// Base64 with `-` and `_`, without padding (RFC 7515).
    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
