/// A key pair for signing S3 requests, and where it came from (named in
/// every message about a refused request).
struct AWSCredentials: Sendable, Equatable {
    var accessKeyID: String
    var secretAccessKey: String
    var sessionToken: String?
    /// "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
    /// "profile default in ~/.aws/credentials"...
    var source: String
    /// When temporary credentials expire (seconds since the epoch).
    var expiration: Double?
}
