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

    /// The signed assertion `header.claims.signature`, valid for an hour
    /// from `issuedAt` (seconds since the epoch).
    func assertion(issuedAt: Int) throws -> String {
        var header = #"{"alg":"RS256","typ":"JWT""#
        if let id = private_key_id { header += #","kid":"# + Self.jsonString(id) }
        header += "}"
        let audience = token_uri ?? Self.defaultTokenURI
        let claims = #"{"iss":"# + Self.jsonString(client_email) + #","scope":"# + Self.jsonString(Self.scope)
            + #","aud":"# + Self.jsonString(audience) + #","iat":\#(issuedAt),"exp":\#(issuedAt + 3600)}"#
        let signingInput = Self.base64URL(Array(header.utf8)) + "." + Self.base64URL(Array(claims.utf8))
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

    /// A JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
