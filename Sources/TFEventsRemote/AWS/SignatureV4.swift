import Crypto

/// AWS Signature Version 4: what makes an S3 request carry its
/// credentials (the `Authorization` header, `x-amz-date` and, for
/// temporary credentials, `x-amz-security-token`).
///
/// The canonical request, the string to sign and the signature are
/// separate steps so that each can be checked against AWS's published
/// test vectors.
struct SignatureV4: Sendable {
    /// The request as it will be sent.
    struct Request {
        var method: String
        /// The path as it goes on the wire: already percent-encoded
        /// (``SignatureV4/encode(_:keepingSlashes:)``).
        var path: String
        /// Query parameters, not encoded.
        var query: [(name: String, value: String)]
        /// Headers to sign, `host` among them.
        var headers: [(name: String, value: String)]
        /// SHA-256 of the body in hex, or `UNSIGNED-PAYLOAD`.
        var payloadHash: String
    }

    /// The hash of an empty body.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    let credentials: AWSCredentials
    let region: String
    let service: String

    /// `method\npath\nquery\nheaders\n\nsigned-headers\npayload-hash`, and the
    /// signed header names joined by `;`.
    static func canonicalRequest(_ request: Request) -> (text: String, signedHeaders: String) {
        let query = request.query
            .map { (encode($0.name, keepingSlashes: false), encode($0.value, keepingSlashes: false)) }
            .sorted { $0.0 == $1.0 ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        // Header names lower-cased, values trimmed with inner runs of
        // spaces collapsed; repeated names joined by commas in order.
        var merged: [(name: String, values: [String])] = []
        for (name, value) in request.headers {
            let lower = name.lowercased()
            let trimmed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if let index = merged.firstIndex(where: { $0.name == lower }) {
                merged[index].values.append(trimmed)
            } else {
                merged.append((lower, [trimmed]))
            }
        }
        merged.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        let headerLines = merged.map { "\($0.name):\($0.values.joined(separator: ","))\n" }.joined()
        let signed = merged.map(\.name).joined(separator: ";")
        let path = request.path.isEmpty ? "/" : request.path
        return ([request.method, path, query, headerLines, signed, request.payloadHash].joined(separator: "\n"), signed)
    }

    /// `YYYYMMDD/region/service/aws4_request`.
    func scope(date: String) -> String {
        "\(date.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The string to sign for a canonical request at `date`
    /// (`YYYYMMDDTHHMMSSZ`).
    func stringToSign(canonicalRequest: String, date: String) -> String {
        let hash = SHA256.hash(data: Array(canonicalRequest.utf8)).hex
        return "AWS4-HMAC-SHA256\n\(date)\n\(scope(date: date))\n\(hash)"
    }

    /// The signature of `stringToSign` with the key derived for the day.
    func signature(stringToSign: String, date: String) -> String {
        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [String(date.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)).hex
    }

    /// Adds `x-amz-date`, `x-amz-security-token` (temporary credentials)
    /// and `Authorization` to `request.headers`, signed at `date`.
    func sign(_ request: inout Request, date: String) {
        request.headers.append(("x-amz-date", date))
        if let token = credentials.sessionToken { request.headers.append(("x-amz-security-token", token)) }
        let (canonical, signed) = Self.canonicalRequest(request)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical, date: date), date: date)
        request.headers.append(("Authorization",
                                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date: date)), "
                                + "SignedHeaders=\(signed), Signature=\(signature)"))
    }

    /// Percent-encodes everything but the unreserved characters
    /// (`A-Z a-z 0-9 - _ . ~`), and `/` too unless `keepingSlashes`.
    static func encode(_ text: String, keepingSlashes: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let digits = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "a") ... UInt8(ascii: "z"),
                 UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepingSlashes:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Sequence<UInt8> {
    /// Lower-case hexadecimal.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
