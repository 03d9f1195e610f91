import Foundation
import TFEventsRemote
import TFEventsSystem

/// The object-storage servers of the remote tests (started by
/// `Tests/Servers/start.sh`, which `.ci/run` sources): where they listen,
/// buckets of one's own, and the environment a `tfevents` child needs to
/// reach them.
///
/// Without the servers the remote tests are skipped, unless
/// `TFEVENTS_REQUIRE_SERVERS=1` (set by CI), which makes them fail.
package enum RemoteServers {
    /// Whether missing servers are a failure.
    package static var required: Bool { ProcessInfo.processInfo.environment["TFEVENTS_REQUIRE_SERVERS"] == "1" }

    /// The S3 endpoint, key and secret.
    package static var s3: (endpoint: String, key: String, secret: String)? {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["TFEVENTS_TEST_S3_ENDPOINT"], let key = env["TFEVENTS_TEST_S3_KEY"],
              let secret = env["TFEVENTS_TEST_S3_SECRET"] else { return nil }
        return (endpoint, key, secret)
    }

    /// The GCS emulator's endpoint.
    package static var gcs: String? { ProcessInfo.processInfo.environment["TFEVENTS_TEST_GCS_ENDPOINT"] }

    /// Whether a test needing `scheme`'s server runs (it then fails when
    /// the server is not there).
    package static func enabled(_ scheme: String) -> Bool {
        required || (scheme == "s3" ? s3 != nil : gcs != nil)
    }

    /// The Python that runs the fault proxy.
    package static var python: String { ProcessInfo.processInfo.environment["TFEVENTS_TEST_PYTHON"] ?? "python3" }

    /// A new bucket name (lower case, unique per call).
    package static func freshBucket(_ label: String) -> String {
        "t-\(label)-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
    }

    /// An uploader with the test credentials for `scheme` (`s3` or `gs`).
    package static func uploader(_ scheme: String) throws -> ObjectUploader {
        if scheme == "s3" {
            guard let s3 else { throw MissingServer(scheme: scheme) }
            return ObjectUploader(s3Endpoint: s3.endpoint, accessKey: s3.key, secret: s3.secret)
        }
        guard let gcs else { throw MissingServer(scheme: scheme) }
        return ObjectUploader(gcsEmulator: gcs)
    }

    /// The environment of a `tfevents` child reaching `scheme`'s server
    /// with the test credentials, and nothing of this machine's own
    /// (no ~/.aws files, no instance metadata, no gcloud files).
    package static func environment(_ scheme: String, endpoint: String? = nil) -> [String: String] {
        var env = ["AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent",
                   "AWS_EC2_METADATA_DISABLED": "true", "CLOUDSDK_CONFIG": "/nonexistent",
                   "GOOGLE_APPLICATION_CREDENTIALS": "", "AWS_PROFILE": ""]
        if scheme == "s3", let s3 {
            env["AWS_ENDPOINT_URL"] = endpoint ?? s3.endpoint
            env["AWS_ACCESS_KEY_ID"] = s3.key
            env["AWS_SECRET_ACCESS_KEY"] = s3.secret
        }
        if scheme == "gs", let gcs {
            env["STORAGE_EMULATOR_HOST"] = endpoint ?? gcs
        }
        return env
    }

    /// Thrown when a required server is not configured.
    package struct MissingServer: Error, CustomStringConvertible {
        package let scheme: String
        package init(scheme: String) { self.scheme = scheme }
        package var description: String {
            "no \(scheme) test server: source Tests/Servers/start.sh first (TFEVENTS_TEST_\(scheme == "s3" ? "S3" : "GCS")_ENDPOINT is unset)"
        }
    }
}

/// The fault-injecting proxy (`Tests/Servers/fault_proxy.py`) in front of
/// a server, for as long as this value lives.
package final class FaultProxy {
    private let process = Process()
    private let input = Pipe()
    private let log: String
    /// `http://127.0.0.1:PORT`.
    package let endpoint: String

    /// The faults applied so far, by kind ("reset": 3, ...).
    package func applied() -> [String: Int] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [:] }
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("fault ") {
            counts[String(line.dropFirst(6).prefix { $0 != ":" }), default: 0] += 1
        }
        return counts
    }

    /// The requests forwarded so far: "METHOD PATH copy=SOURCE bytes=N".
    package func requests() -> [String] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { $0.hasPrefix("request ") }.map { String($0.dropFirst(8)) }
    }

    /// Starts the proxy in front of `upstream` (`http://host:port`) with a
    /// comma-separated fault plan.
    /// With `faultingWrites`, the plan applies to PUT, POST and DELETE too
    /// (a `reset` then forwards the write and drops its answer).
    package init(upstream: String, plan: String, packageRoot: String, faultingWrites: Bool = false) throws {
        let hostPort = upstream.replacingOccurrences(of: "http://", with: "")
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString)").path
        process.executableURL = URL(fileURLWithPath: RemoteServers.python.hasPrefix("/") ? RemoteServers.python : "/usr/bin/env")
        process.arguments = (RemoteServers.python.hasPrefix("/") ? [] : [RemoteServers.python])
            + [packageRoot + "/Tests/Servers/fault_proxy.py", hostPort, plan, portFile]
        process.standardInput = input
        if faultingWrites {
            process.environment = ProcessInfo.processInfo.environment.merging(["FAULT_WRITES": "1"]) { $1 }
        }
        log = portFile + ".log"
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        var port: String?
        for _ in 0 ..< 200 {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), !text.isEmpty { port = text; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try? FileManager.default.removeItem(atPath: portFile)
        guard let port else {
            process.terminate()
            throw RemoteServers.MissingServer(scheme: "fault proxy")
        }
        endpoint = "http://127.0.0.1:\(port)"
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: log)
    }
}
