import TFEventsSystem

/// A parsed object-storage URL: `s3://BUCKET/KEY` or `gs://BUCKET/KEY`.
///
/// The key may be empty (the bucket's root) or end in `/` (a prefix). The
/// original text is kept for messages, so an error names the URL the user
/// typed.
struct ObjectLocation: Hashable, Sendable, CustomStringConvertible {
    /// Which service.
    enum Service: String, Sendable {
        case s3
        case gcs = "gs"
    }

    let service: Service
    let bucket: String
    let key: String

    /// Parses `url`; nil when it is not an `s3://` or `gs://` URL with a
    /// bucket name.
    init?(_ url: String) {
        guard let scheme = ObjectStores.scheme(of: url), let service = Service(rawValue: scheme) else { return nil }
        let rest = url.dropFirst(scheme.count + 3)
        let bucket = rest.prefix(while: { $0 != "/" })
        guard !bucket.isEmpty else { return nil }
        self.service = service
        self.bucket = String(bucket)
        key = String(rest.dropFirst(bucket.count + 1))
    }

    init(service: Service, bucket: String, key: String) {
        self.service = service
        self.bucket = bucket
        self.key = key
    }

    /// The key as a directory prefix: empty for the root, else ending in `/`.
    var directoryPrefix: String {
        key.isEmpty || key.hasSuffix("/") ? key : key + "/"
    }

    /// The location of `name` under this one taken as a directory.
    func child(_ name: String) -> ObjectLocation {
        ObjectLocation(service: service, bucket: bucket, key: directoryPrefix + name)
    }

    /// `s3://bucket/key`.
    var description: String { "\(service.rawValue)://\(bucket)/\(key)" }
}
