import Crypto
import Testing
@testable import TFEventsRemote

/// Signature Version 4 against AWS's published vectors: the generic test
/// suite (aws-sig-v4-test-suite: credentials AKIDEXAMPLE, 2015-08-30,
/// service "service") and the S3 examples of the S3 API reference.
@Suite("AWS Signature Version 4")
struct SignatureV4Tests {
    static let suite = SignatureV4(
        credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    sessionToken: nil, source: "test"),
        region: "us-east-1", service: "service")

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method = "GET"
        var path = "/"
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body = ""
        var signedHeaders = "host;x-amz-date"
        var signature: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "get-unreserved", path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
               signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(name: "get-vanilla-query-order-key-case", query: [("Param2", "value2"), ("Param1", "value1")],
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-vanilla-query-order-value", query: [("Param1", "value2"), ("Param1", "value1")],
               signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        Vector(name: "get-vanilla-utf8-query", query: [("\u{1234}", "bar")],
               signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(name: "get-header-value-order",
               headers: [("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2")],
               signedHeaders: "host;my-header1;x-amz-date",
               signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        Vector(name: "get-header-value-trim", headers: [("My-Header1", " value1"), ("My-Header2", "\"a   b   c\"")],
               signedHeaders: "host;my-header1;my-header2;x-amz-date",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST",
               headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
               signedHeaders: "content-type;host;x-amz-date",
               signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    @Test("the suite's published Authorization headers", arguments: vectors)
    func suiteVector(_ vector: Vector) {
        var request = SignatureV4.Request(
            method: vector.method, path: SignatureV4.encode(vector.path, keepingSlashes: true),
            query: vector.query.map { (name: $0.0, value: $0.1) },
            headers: [(name: "Host", value: "example.amazonaws.com")] + vector.headers.map { (name: $0.0, value: $0.1) },
            payloadHash: Array(SHA256.hash(data: Array(vector.body.utf8))).hex)
        Self.suite.sign(&request, date: "20150830T123600Z")
        let authorization = request.headers.first { $0.name == "Authorization" }?.value
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)")
    }

    @Test("get-vanilla step by step: canonical request, string to sign")
    func steps() {
        let request = SignatureV4.Request(method: "GET", path: "/", query: [],
                                          headers: [(name: "Host", value: "example.amazonaws.com"),
                                                    (name: "X-Amz-Date", value: "20150830T123600Z")],
                                          payloadHash: SignatureV4.emptyPayloadHash)
        let (canonical, signed) = SignatureV4.canonicalRequest(request)
        #expect(canonical == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                + SignatureV4.emptyPayloadHash)
        #expect(signed == "host;x-amz-date")
        #expect(Self.suite.stringToSign(canonicalRequest: canonical, date: "20150830T123600Z")
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
    }

    static let s3Example = SignatureV4(
        credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                    sessionToken: nil, source: "test"),
        region: "us-east-1", service: "s3")

    @Test("S3 API reference: GET Object with a Range, and a ListObjects query")
    func s3Examples() {
        var get = SignatureV4.Request(method: "GET", path: "/test.txt", query: [],
                                      headers: [(name: "Host", value: "examplebucket.s3.amazonaws.com"),
                                                (name: "Range", value: "bytes=0-9"),
                                                (name: "x-amz-content-sha256", value: SignatureV4.emptyPayloadHash)],
                                      payloadHash: SignatureV4.emptyPayloadHash)
        Self.s3Example.sign(&get, date: "20130524T000000Z")
        #expect(get.headers.last?.value == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        var list = SignatureV4.Request(method: "GET", path: "/", query: [(name: "max-keys", value: "2"), (name: "prefix", value: "J")],
                                       headers: [(name: "Host", value: "examplebucket.s3.amazonaws.com"),
                                                 (name: "x-amz-content-sha256", value: SignatureV4.emptyPayloadHash)],
                                       payloadHash: SignatureV4.emptyPayloadHash)
        Self.s3Example.sign(&list, date: "20130524T000000Z")
        #expect(list.headers.last?.value.hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test("a session token is sent and signed")
    func sessionToken() {
        var signer = Self.suite
        signer = SignatureV4(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret",
                                                         sessionToken: "TOKEN", source: "test"),
                             region: "us-east-1", service: "s3")
        var request = SignatureV4.Request(method: "GET", path: "/", query: [],
                                          headers: [(name: "host", value: "h")], payloadHash: SignatureV4.emptyPayloadHash)
        signer.sign(&request, date: "20150830T123600Z")
        #expect(request.headers.contains { $0.name == "x-amz-security-token" && $0.value == "TOKEN" })
        #expect(request.headers.last?.value.contains("SignedHeaders=host;x-amz-date;x-amz-security-token") == true)
    }

    @Test("keys are encoded once, slashes kept; query values encode slashes too")
    func encoding() {
        #expect(SignatureV4.encode("run 1/events.out.tfevents.1+x~é", keepingSlashes: true)
                == "run%201/events.out.tfevents.1%2Bx~%C3%A9")
        #expect(SignatureV4.encode("a/b", keepingSlashes: false) == "a%2Fb")
    }
}
