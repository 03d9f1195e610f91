import Foundation
import Testing
import TFEventsTestSupport

/// Every reading command on `s3://` (SeaweedFS, which checks signatures)
/// and `gs://` (fake-gcs-server) against the same command on the local
/// copy: byte-for-byte the same output, the same exit status, the same
/// messages but for the URL in place of the path.
@Suite("Remote: commands on s3:// and gs:// buckets")
struct RemoteCommandTests {
    /// Buckets holding a copy of Fixtures/ under `Fixtures/`, one per scheme
    /// for the whole run (uploading takes a second).
    static let buckets: [String: Result<String, any Error>] = {
        var result: [String: Result<String, any Error>] = [:]
        for scheme in ["s3", "gs"] where RemoteServers.enabled(scheme) {
            result[scheme] = Result {
                let bucket = RemoteServers.freshBucket("fixtures")
                let uploader = try RemoteServers.uploader(scheme)
                try uploader.createBucket(bucket)
                try uploader.upload(directory: CLIRunner.packageRoot.path + "/Fixtures", bucket: bucket, prefix: "Fixtures/")
                return bucket
            }
        }
        return result
    }()

    static func root(_ scheme: String) throws -> String {
        guard let bucket = buckets[scheme] else { throw RemoteServers.MissingServer(scheme: scheme) }
        return "\(scheme)://\(try bucket.get())/Fixtures"
    }

    /// The commands compared; `ROOT` stands for the fixtures' root.
    static let commands: [[String]] = [
        ["scan", "ROOT"],
        ["scan", "--format", "json", "ROOT/compressed", "ROOT/corrupt"],
        ["scalars", "--format", "csv", "ROOT"],
        ["scalars", "--format", "jsonl", "ROOT/tf2", "--tag", "*loss*"],
        ["tags", "ROOT/tensorboardx"],
        ["best", "ROOT/estimator/loss_best"],
        ["best", "--no-index", "--format", "json", "ROOT/estimator/accuracy_best", "--metric", "accuracy", "--higher-is-better"],
        ["best", "--no-index", "ROOT/estimator/loss_best", "--strict"],
        ["best", "--no-index", "ROOT/estimator", "--pattern", "*/eval/*.tfevents.*"],  // a glob over two levels
        // HParams records read back at their offsets; checkpoints found in bucket model directories.
        ["runs", "--format", "json", "ROOT/hparams/tf"],
        ["runs", "ROOT/hparams/tensorboardx", "--run", "lr0.1*"],
        ["runs", "--format", "csv", "ROOT/estimator", "--metric", "eval/loss"],
        ["scalars", "--format", "csv", "ROOT/hparams/tf", "--run-regex", "^run-[01](/|$)"],
    ]

    /// Runs `arguments` on the local fixtures and on `scheme`'s copy and
    /// compares all of it.
    func compare(_ scheme: String, extraEnvironment: [String: String] = [:], endpoint: String? = nil,
                 commands: [[String]] = Self.commands) throws {
        let remoteRoot = try Self.root(scheme)
        let localRoot = CLIRunner.packageRoot.path + "/Fixtures"
        let cache = ScratchDirectory()
        var env = RemoteServers.environment(scheme, endpoint: endpoint)
        env["XDG_CACHE_HOME"] = cache.path
        env["TFEVENTS_S3_PAGE_SIZE"] = "3"  // every listing of more than 3 entries takes pages
        env["TFEVENTS_GCS_PAGE_SIZE"] = "3"
        for (key, value) in extraEnvironment { env[key] = value }
        for command in commands {
            let local = try CLIRunner.run(command.map { $0.replacingOccurrences(of: "ROOT", with: localRoot) },
                                          environment: ["XDG_CACHE_HOME": cache.path], timeout: 120)
            let remote = try CLIRunner.run(command.map { $0.replacingOccurrences(of: "ROOT", with: remoteRoot) },
                                           environment: env, timeout: 120)
            func normal(_ text: String) -> String {
                text.replacingOccurrences(of: remoteRoot, with: localRoot)
                    .split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("index: ") }  // the cache file's name hashes the path
                    .joined(separator: "\n")
            }
            #expect(remote.status == local.status, "\(scheme) \(command): exit \(remote.status) vs \(local.status)\n\(remote.stderr)")
            #expect(normal(remote.stdout) == normal(local.stdout), "\(scheme) \(command): stdout differs")
            #expect(normal(remote.stderr) == normal(local.stderr), "\(scheme) \(command): stderr differs:\n\(remote.stderr)\nvs\n\(local.stderr)")
            #expect(!local.stdout.isEmpty, "\(command) printed nothing locally")
        }
    }

    @Test("s3:// gives the local output (listings in pages of 3)", .enabled(if: RemoteServers.enabled("s3")))
    func s3SameAsLocal() throws { try compare("s3") }

    @Test("gs:// gives the local output (listings in pages of 3)", .enabled(if: RemoteServers.enabled("gs")))
    func gcsSameAsLocal() throws { try compare("gs") }

    @Test("records split across 4 KiB blocks read as from the disk", .enabled(if: RemoteServers.enabled("s3")))
    func smallBlocks() throws {
        try compare("s3", extraEnvironment: ["TFEVENTS_REMOTE_BLOCK_SIZE": "4096", "TFEVENTS_REMOTE_DEPTH": "3"],
                    commands: [["scan", "--format", "json", "ROOT"], ["best", "--no-index", "ROOT/estimator/loss_best"]])
    }

    @Test("every fault of the proxy is retried or resumed: the output is the local one",
          .enabled(if: RemoteServers.enabled("s3") && RemoteServers.enabled("gs")))
    func faultsAreRetried() throws {
        for scheme in ["s3", "gs"] {
            let upstream = scheme == "s3" ? RemoteServers.s3!.endpoint : RemoteServers.gcs!
            let proxy = try FaultProxy(upstream: upstream, plan: "reset,ok,503,ok,truncate,ok,429,ok,stall,ok,slow,ok,reset,truncate",
                                       packageRoot: CLIRunner.packageRoot.path)
            try compare(scheme, extraEnvironment: ["TFEVENTS_REMOTE_BLOCK_SIZE": "65536", "TFEVENTS_REMOTE_READ_TIMEOUT": "1",
                                                   "TFEVENTS_REMOTE_BACKOFF": "0.01"],
                        endpoint: proxy.endpoint,
                        commands: [["scan", "--format", "json", "ROOT/estimator", "ROOT/compressed"],
                                   ["best", "--no-index", "ROOT/estimator/loss_best"]])
            // The faults really happened, every kind of them.
            let applied = proxy.applied()
            for kind in ["reset", "503", "truncate", "429", "stall", "slow"] {
                #expect(applied[kind, default: 0] >= 1, "\(scheme): no \(kind) fault was injected: \(applied)")
            }
        }
    }

    @Test("a server that keeps failing is given up on: exit 2 naming the URL, the byte and the attempts",
          .enabled(if: RemoteServers.enabled("s3")))
    func persistentFailure() throws {
        let proxy = try FaultProxy(upstream: RemoteServers.s3!.endpoint, plan: "503", packageRoot: CLIRunner.packageRoot.path)
        var env = RemoteServers.environment("s3", endpoint: proxy.endpoint)
        env["TFEVENTS_REMOTE_ATTEMPTS"] = "3"
        env["TFEVENTS_REMOTE_BACKOFF"] = "0.01"
        let file = try Self.root("s3") + "/estimator/loss_best/eval"
        let result = try CLIRunner.run(["scan", file], environment: env, timeout: 60)
        #expect(!result.timedOut)
        #expect(result.status == 2)
        #expect(result.stderr.contains("s3://"), "\(result.stderr)")
        #expect(result.stderr.contains("at byte 0"), "\(result.stderr)")
        #expect(result.stderr.contains("HTTP 503"), "\(result.stderr)")
        #expect(result.stderr.contains("gave up after 3 attempts"), "\(result.stderr)")
    }

    @Test("a wrong secret is refused by SeaweedFS and reported once, naming the credential's source, exit 2",
          .enabled(if: RemoteServers.enabled("s3")))
    func wrongSecret() throws {
        var env = RemoteServers.environment("s3")
        env["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let result = try CLIRunner.run(["scan", try Self.root("s3") + "/tf2"], environment: env, timeout: 60)
        #expect(result.status == 2)
        #expect(result.stderr.contains("SignatureDoesNotMatch"), "\(result.stderr)")
        #expect(result.stderr.contains("environment variables AWS_ACCESS_KEY_ID"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("credentials from a profile of a credentials file (AWS_PROFILE), and its name when refused",
          .enabled(if: RemoteServers.enabled("s3")))
    func profileCredentials() throws {
        let s3 = try #require(RemoteServers.s3)
        let scratch = ScratchDirectory()
        let file = scratch.path + "/credentials"
        try Array("""
        [default]
        aws_access_key_id = WRONG
        aws_secret_access_key = wrong

        [ci]
        aws_access_key_id = \(s3.key)
        aws_secret_access_key = \(s3.secret)

        [broken]
        aws_access_key_id = \(s3.key)
        aws_secret_access_key = nope
        """.utf8).writeFile(file)
        var env = RemoteServers.environment("s3")
        env["AWS_ACCESS_KEY_ID"] = ""
        env["AWS_SECRET_ACCESS_KEY"] = ""
        env["AWS_SHARED_CREDENTIALS_FILE"] = file
        env["AWS_PROFILE"] = "ci"
        let root = try Self.root("s3")
        let good = try CLIRunner.run(["scan", root + "/tf2"], environment: env, timeout: 60)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("total (4 files)"))
        env["AWS_PROFILE"] = "broken"
        let bad = try CLIRunner.run(["scan", root + "/tf2"], environment: env, timeout: 60)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("profile broken in \(file)"), "\(bad.stderr)")
    }

    @Test("no credentials at all: unsigned requests, which a public bucket answers",
          .enabled(if: RemoteServers.enabled("s3")))
    func anonymous() throws {
        var env = RemoteServers.environment("s3")
        env["AWS_ACCESS_KEY_ID"] = ""
        env["AWS_SECRET_ACCESS_KEY"] = ""
        let result = try CLIRunner.run(["scan", try Self.root("s3") + "/tf2"], environment: env, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("total (4 files)"))
    }

    @Test("report of a model directory in a bucket: the local page, the URL in place of the path (exports and their steps too)",
          .enabled(if: RemoteServers.enabled("gs")))
    func report() throws {
        let remoteRoot = try Self.root("gs"), localRoot = CLIRunner.packageRoot.path + "/Fixtures"
        let scratch = ScratchDirectory()
        var env = RemoteServers.environment("gs")
        env["XDG_CACHE_HOME"] = scratch.path
        let remote = try CLIRunner.run(["report", remoteRoot + "/estimator/loss_best", "--out", scratch.path + "/r.html"],
                                       environment: env, timeout: 120)
        let local = try CLIRunner.run(["report", localRoot + "/estimator/loss_best", "--out", scratch.path + "/l.html"],
                                      environment: ["XDG_CACHE_HOME": scratch.path], timeout: 120)
        #expect(remote.status == 0 && local.status == 0, "\(remote.stderr)\(local.stderr)")
        let remotePage = try String(contentsOfFile: scratch.path + "/r.html", encoding: .utf8)
        let localPage = try String(contentsOfFile: scratch.path + "/l.html", encoding: .utf8)
        #expect(localPage.contains("best_exporter/1795438164"))
        #expect(remotePage.replacingOccurrences(of: remoteRoot, with: localRoot) == localPage)
    }

    @Test("missing objects, prefixes and buckets: exit 2 naming the URL", .enabled(if: RemoteServers.enabled("s3") && RemoteServers.enabled("gs")))
    func missing() throws {
        for scheme in ["s3", "gs"] {
            let root = try Self.root(scheme)
            for url in [root + "/no/such/events.out.tfevents.1", root + "/nothing-here/",
                        "\(scheme)://\(RemoteServers.freshBucket("absent"))/logs"] {
                let result = try CLIRunner.run(["scan", url], environment: RemoteServers.environment(scheme), timeout: 60)
                #expect(result.status == 2, "\(url): \(result.stderr)")
                #expect(result.stderr.contains(url), "\(url): \(result.stderr)")
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// Writes these bytes to `path`.
    func writeFile(_ path: String) throws { try Data(self).write(to: URL(fileURLWithPath: path)) }
}
