import Foundation
import Testing
import TFEventsRemote
import TFEventsTestSupport

/// Exports into buckets: the decisions and exports of a local model
/// directory, committed by the manifest (no renames there), the lock as an
/// object created only if absent and held as a lease, checkpoints copied
/// on the server; `watch` following an object re-uploaded as it grows;
/// `convert` writing an object.
@Suite("Remote: exports, watch and convert into s3:// and gs:// buckets")
struct RemoteExportTests {
    /// A bucket holding `Fixtures/estimator/loss_best` under `model/`, and a
    /// local copy of it, both fresh.
    struct Model {
        let scheme: String
        let bucket: String
        let uploader: ObjectUploader
        let local: ScratchDirectory
        var url: String { "\(scheme)://\(bucket)/model" }
        var localPath: String { local.path + "/model" }

        init(_ scheme: String, fixture: String = "estimator/loss_best", withoutExports: Bool = false,
             leaving excluded: Set<String> = []) throws {
            self.scheme = scheme
            let uploader = try RemoteServers.uploader(scheme)
            self.uploader = uploader
            bucket = RemoteServers.freshBucket("export")
            local = ScratchDirectory()
            try FileManager.default.copyItem(atPath: CLIRunner.fixture(fixture), toPath: local.path + "/model")
            if withoutExports { try FileManager.default.removeItem(atPath: local.path + "/model/export") }
            for relative in excluded { try FileManager.default.removeItem(atPath: local.path + "/model/" + relative) }
            try uploader.createBucket(bucket)
            try uploader.upload(directory: local.path + "/model", bucket: bucket, prefix: "model/")
        }

        /// A child's environment for the bucket, its own cache, and a lease
        /// of `lease` seconds.
        func environment(lease: Int) -> [String: String] {
            var env = RemoteServers.environment(scheme)
            env["XDG_CACHE_HOME"] = local.path + "/cache"
            env["TFEVENTS_EXPORT_LEASE"] = String(lease)
            return env
        }

        /// Every key under `model/export/`, relative to it.
        func remoteExportKeys() throws -> [String] {
            try uploader.keys(bucket: bucket, prefix: "model/export/").map { String($0.dropFirst("model/export/".count)) }
        }

        /// Every file under the local `export/`, relative to it.
        func localExportFiles() -> [String] {
            let root = localPath + "/export/"
            let enumerator = FileManager.default.enumerator(atPath: root)
            var files: [String] = []
            while let relative = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files.append(relative)
                }
            }
            return files.sorted()
        }
    }

    /// Export versions are the clock's seconds, so the two runs name theirs
    /// differently: new versions (not the fixture's 179543815x) become
    /// `NEW`, times of day `TIME`, and both roots `ROOT`.
    static func normal(_ text: String, _ model: Model) -> String {
        var text = text.replacingOccurrences(of: model.url, with: "ROOT").replacingOccurrences(of: model.localPath, with: "ROOT")
        let pattern = try! NSRegularExpression(pattern: "\\b(?!179543815\\d|179543816\\d)\\d{10}\\b")
        text = pattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "NEW")
        // Times of day (reports name when they were made, and each export's time).
        let time = try! NSRegularExpression(pattern: "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d(:\\d\\d)? UTC")
        return time.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "TIME")
    }

    static func runBoth(_ model: Model, _ arguments: [String], environment: [String: String] = [:]) throws -> (local: CLIResult, remote: CLIResult) {
        let cache = ScratchDirectory()
        let local = try CLIRunner.run(arguments.map { $0 == "ROOT" ? model.localPath : $0 },
                                      environment: ["XDG_CACHE_HOME": cache.path].merging(environment) { $1 }, timeout: 120)
        var env = RemoteServers.environment(model.scheme)
        env["XDG_CACHE_HOME"] = cache.path
        for (key, value) in environment { env[key] = value }
        let remote = try CLIRunner.run(arguments.map { $0 == "ROOT" ? model.url : $0 }, environment: env, timeout: 120)
        return (local, remote)
    }

    func sameExports(_ scheme: String) throws {
        let model = try Model(scheme)
        for command in [["export", "ROOT", "--keep", "3"],
                        ["export", "ROOT", "--tensorflow-restart", "--keep", "3"],
                        ["export", "ROOT", "--tensorflow-restart", "--keep", "2", "--keep-best", "--as-text"],
                        ["export", "ROOT", "--tensorflow-restart", "--keep", "2", "--keep-best", "--format", "json"]] {
            let (local, remote) = try Self.runBoth(model, command)
            #expect(remote.status == local.status, "\(command): \(remote.stderr)")
            #expect(Self.normal(remote.stdout, model) == Self.normal(local.stdout, model), "\(command):\n\(remote.stdout)\nvs\n\(local.stdout)")
            #expect(Self.normal(remote.stderr, model) == Self.normal(local.stderr, model), "\(command):\n\(remote.stderr)\nvs\n\(local.stderr)")
        }
        // The same exports, file for file and byte for byte (the checkpoint's
        // files; manifests name their paths, so only their presence).
        let remoteKeys = try model.remoteExportKeys()
        let localFiles = model.localExportFiles().filter { !$0.hasSuffix(".tfevents-export.lock") }
        #expect(remoteKeys.map { Self.normal($0, model) } == localFiles.map { Self.normal($0, model) },
                "\(remoteKeys)\nvs\n\(localFiles)")
        #expect(!remoteKeys.contains { $0.contains(".tfevents-export-pending") || $0.contains(".tfevents-export.lock") },
                "no marker and no lock left: \(remoteKeys)")
        for (key, file) in zip(remoteKeys, localFiles) where key.contains("/variables/") {
            let remoteBytes = try model.uploader.get(bucket: model.bucket, key: "model/export/" + key)
            let localBytes = try Array(Data(contentsOf: URL(fileURLWithPath: model.localPath + "/export/" + file)))
            #expect(remoteBytes == localBytes, "\(key)")
        }
        // Every decision recorded, by appending to an object (rewritten whole).
        let remoteLog = try #require(try model.uploader.get(bucket: model.bucket, key: "model/export/best_exporter/decisions.jsonl"))
        let localLog = try String(contentsOfFile: model.localPath + "/export/best_exporter/decisions.jsonl", encoding: .utf8)
        func steps(_ text: String) -> [Substring] {
            text.split(separator: "\n").filter { $0.contains("\"event\":\"decision\"") }.map { line in
                line.split(separator: ",").filter { $0.contains("\"global_step\"") || $0.contains("\"exported\"") }
                    .joined(separator: ",")[...]
            }
        }
        #expect(steps(String(decoding: remoteLog, as: UTF8.self)) == steps(localLog))
        #expect(steps(localLog).count == 4, "\(localLog)")
        // And in the listing of exports.
        let (localList, remoteList) = try Self.runBoth(model, ["exports", "ROOT", "--format", "json"])
        #expect(remoteList.status == 0 && Self.normal(remoteList.stdout, model) == Self.normal(localList.stdout, model),
                "\(remoteList.stdout)\nvs\n\(localList.stdout)")
        // Both tell the same story in the report.
        let (localReport, remoteReport) = try Self.runBoth(model, ["report", "ROOT", "--out", "-"])
        #expect(remoteReport.status == 0 && localReport.status == 0, "\(remoteReport.stderr)")
        #expect(Self.normal(remoteReport.stdout, model) == Self.normal(localReport.stdout, model))
    }

    @Test("export into s3:// makes the local decisions and exports, byte for byte", .enabled(if: RemoteServers.enabled("s3")))
    func sameExportsS3() throws { try sameExports("s3") }

    @Test("export into gs:// makes the local decisions and exports, byte for byte", .enabled(if: RemoteServers.enabled("gs")))
    func sameExportsGCS() throws { try sameExports("gs") }

    /// The test server of `scheme`, behind a fault proxy with `plan`.
    static func proxy(_ scheme: String, plan: String, faultingWrites: Bool = false) throws -> FaultProxy {
        let upstream = scheme == "s3" ? try #require(RemoteServers.s3).endpoint : try #require(RemoteServers.gcs)
        return try FaultProxy(upstream: upstream, plan: plan, packageRoot: CLIRunner.packageRoot.path, faultingWrites: faultingWrites)
    }

    func serverSideCopy(_ scheme: String) throws {
        let model = try Model(scheme)
        let proxy = try Self.proxy(scheme, plan: "ok")
        var env = RemoteServers.environment(scheme, endpoint: proxy.endpoint)
        env["XDG_CACHE_HOME"] = model.local.path + "/cache"
        let result = try CLIRunner.run(["export", model.url, "--tensorflow-restart"], environment: env, timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let requests = proxy.requests()
        // S3: PUT .../variables/variables.index with x-amz-copy-source and no
        // body; GCS: POST .../o/model%2Fmodel.ckpt-250.index/rewriteTo/... .
        let copies = scheme == "s3"
            ? requests.filter { $0.hasPrefix("PUT ") && $0.contains("/variables/") }
            : requests.filter { $0.hasPrefix("POST ") && $0.contains("/rewriteTo/") }
        #expect(copies.count == 2, "\(requests)")
        for copy in copies {
            if scheme == "s3" {
                #expect(copy.contains("copy=/\(model.bucket)/model/model.ckpt-250.") && copy.hasSuffix("bytes=0"), "\(copy)")
            } else {
                #expect(copy.contains("model%2Fmodel.ckpt-250.") && copy.contains("variables%2Fvariables."), "\(copy)")
            }
        }
        // No download of the checkpoint (a GCS metadata GET has no alt=media).
        let downloads = requests.filter { $0.hasPrefix("GET ") && (scheme == "s3" || $0.contains("alt=media")) }
        #expect(!downloads.contains { $0.contains("model.ckpt-250.data") || $0.contains("model.ckpt-250.index") }, "\(downloads)")
    }

    /// `best` and `export` on each framework's run in a bucket: the same
    /// answer, the same checkpoint (a file, or every object of a tree) as
    /// on the local copy.
    func frameworkLayouts(_ scheme: String) throws {
        let runs: [(fixture: String, arguments: [String])] = [
            ("frameworks/huggingface/accuracy_tie", ["--metric", "eval/accuracy", "--higher-is-better"]),
            ("frameworks/lightning/default/lightning_logs/version_0", []),
            ("frameworks/keras/weights_h5", ["--checkpoint", "ckpt/epoch{epoch:02d}-{val_loss:.4f}.weights.h5"]),
            ("frameworks/orbax/uncommitted", []),
        ]
        for (fixture, arguments) in runs {
            let model = try Model(scheme, fixture: fixture)
            for command in [["best", "ROOT", "--format", "json"], ["export", "ROOT", "--format", "json"]] {
                let (local, remote) = try Self.runBoth(model, command + arguments)
                #expect(local.status == 0 && remote.status == local.status, "\(fixture) \(command): \(remote.stderr)")
                #expect(Self.normal(remote.stdout, model) == Self.normal(local.stdout, model),
                        "\(fixture) \(command):\n\(remote.stdout)\nvs\n\(local.stdout)")
                #expect(Self.normal(remote.stderr, model) == Self.normal(local.stderr, model),
                        "\(fixture) \(command):\n\(remote.stderr)\nvs\n\(local.stderr)")
            }
            let remoteKeys = try model.remoteExportKeys().filter { !$0.hasSuffix("best.json") }
            let localFiles = model.localExportFiles().filter { !$0.hasSuffix(".tfevents-export.lock") && !$0.hasSuffix("best.json") }
                .filter { !$0.hasPrefix("best_exporter/best/") }
            #expect(!remoteKeys.isEmpty)
            #expect(remoteKeys.map { Self.normal($0, model) } == localFiles.map { Self.normal($0, model) },
                    "\(fixture): \(remoteKeys)\nvs\n\(localFiles)")
            // The checkpoint's files, byte for byte (manifests and the decision log name paths and times).
            var compared = 0
            for (key, file) in zip(remoteKeys, localFiles) where !key.contains("export_manifest") && !key.hasSuffix(".jsonl") {
                let remoteBytes = try model.uploader.get(bucket: model.bucket, key: "model/export/" + key)
                let localBytes = try Array(Data(contentsOf: URL(fileURLWithPath: model.localPath + "/export/" + file)))
                let same = remoteBytes == localBytes
                #expect(same, "\(fixture): \(key)")
                compared += 1
            }
            #expect(compared >= 1, "\(fixture): no checkpoint file in the export: \(remoteKeys)")
        }
    }

    @Test("framework layouts in s3://: best and export as on the local copy", .enabled(if: RemoteServers.enabled("s3")))
    func frameworkLayoutsS3() throws { try frameworkLayouts("s3") }

    @Test("framework layouts in gs://: best and export as on the local copy", .enabled(if: RemoteServers.enabled("gs")))
    func frameworkLayoutsGCS() throws { try frameworkLayouts("gs") }

    @Test("checkpoints are copied on the server (S3 CopyObject): no checkpoint byte crosses the wire",
          .enabled(if: RemoteServers.enabled("s3")))
    func serverSideCopyS3() throws { try serverSideCopy("s3") }

    @Test("checkpoints are copied on the server (GCS rewrite): no checkpoint byte crosses the wire",
          .enabled(if: RemoteServers.enabled("gs")))
    func serverSideCopyGCS() throws { try serverSideCopy("gs") }

    @Test("writes refused with 503 or whose answers are lost are retried; a lost answer of a conditional write is known as its own",
          .enabled(if: RemoteServers.enabled("s3")))
    func faultyWrites() throws {
        let model = try Model("s3")
        let proxy = try Self.proxy("s3", plan: "reset,ok,503,ok,ok", faultingWrites: true)
        var env = RemoteServers.environment("s3", endpoint: proxy.endpoint)
        env["XDG_CACHE_HOME"] = model.local.path + "/cache"
        env["TFEVENTS_REMOTE_BACKOFF"] = "0.01"
        let result = try CLIRunner.run(["export", model.url, "--tensorflow-restart", "--keep", "2"], environment: env, timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let applied = proxy.applied()
        #expect((applied["lost-answer"] ?? 0) >= 2 && (applied["503"] ?? 0) >= 2, "\(applied)")
        let version = try #require(result.stdout.split(separator: "/").last.map { String($0.prefix(10)) })
        let keys = try model.remoteExportKeys()
        for file in ["export_manifest.pb", "variables/variables.index", "variables/variables.data-00000-of-00001"] {
            #expect(keys.contains("best_exporter/\(version)/\(file)"), "\(keys)")
        }
        #expect(!keys.contains { $0.contains(".tfevents-export-pending") || $0.hasSuffix(".tfevents-export.lock") }, "\(keys)")
        #expect(!keys.contains { $0.hasPrefix("best_exporter/1795438159/") }, "collected: \(keys)")
    }

    @Test("an export killed midway is not counted, blocks others only for its lease, and is removed by the next run",
          .enabled(if: RemoteServers.enabled("s3")))
    func interruptedExport() throws {
        let model = try Model("s3")
        let env = model.environment(lease: 8)
        // The model writer never finishes: the export is reserved (its
        // marker written), the manifest never is.
        let stuck = try WatchProcess(["export", model.url, "--tensorflow-restart", "--command", "sleep 15"],
                                     environment: env, watch: false)
        var pending: [String] = []
        #expect(stuck.wait {
            pending = ((try? model.remoteExportKeys()) ?? []).filter { $0.hasSuffix("/.tfevents-export-pending") }
            return !pending.isEmpty
        }, "\(stuck.stderr)")
        // Killed at once; the command it ran lives on (sleeping) and is
        // reaped when the test ends.
        kill(stuck.process.processIdentifier, SIGKILL)
        let killed = Date()
        let version = try #require(pending.first?.split(separator: "/").dropFirst().first.map(String.init))

        // The dead process's lease still runs: refused, saying until when.
        let refused = try CLIRunner.run(["export", model.url], environment: env, timeout: 60)
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(refused.stderr.contains("holds the export lock") && refused.stderr.contains("lease runs"), "\(refused.stderr)")

        // Not an export: the report does not show it.
        let report = try CLIRunner.run(["report", model.url, "--out", "-"], environment: env, timeout: 120)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(!report.stdout.contains(version) && report.stdout.contains("1795438164"))

        // Once it has run out the lock is taken over and the leftovers removed;
        // TensorFlow's own exports (no manifest, no marker) stay.
        while Date() < killed.addingTimeInterval(8.5) { Thread.sleep(forTimeInterval: 0.1) }
        let next = try CLIRunner.run(["export", model.url, "--keep", "10"], environment: env, timeout: 60)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("removed \(model.url)/export/best_exporter/\(version), left by an interrupted export"),
                "\(next.stderr)")
        let keys = try model.remoteExportKeys()
        #expect(!keys.contains { $0.contains(version) }, "\(keys)")
        for tensorflowExport in ["1795438159", "1795438160", "1795438164"] {
            #expect(keys.contains("best_exporter/\(tensorflowExport)/saved_model.pb"), "\(keys)")
        }
        #expect(!keys.contains { $0.hasSuffix(".tfevents-export.lock") }, "released: \(keys)")
    }

    @Test("the lock is held by a renewed lease: a second exporter is refused while watch runs, however long",
          .enabled(if: RemoteServers.enabled("s3")))
    func leaseRenewed() throws {
        let model = try Model("s3")
        let env = model.environment(lease: 3)  // renewed every second
        let watch = try WatchProcess([model.url], environment: env)
        #expect(watch.wait { watch.stderr.contains("watching") }, "\(watch.stderr)")
        Thread.sleep(forTimeInterval: 4.5)  // longer than the lease
        let refused = try CLIRunner.run(["export", model.url], environment: env, timeout: 60)
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(refused.stderr.contains("/export/best_exporter/.tfevents-export.lock") && refused.stderr.contains("holds the export lock"),
                "\(refused.stderr)")
        #expect(watch.stop(SIGTERM) == 0, "\(watch.stderr)")
        #expect(!(try model.remoteExportKeys()).contains { $0.hasSuffix(".tfevents-export.lock") }, "released on exit")
        let after = try CLIRunner.run(["export", model.url], environment: env, timeout: 60)
        #expect(after.status == 0, "\(after.stderr)")
    }

    func watchGrowing(_ scheme: String) throws {
        let eval = "eval/events.out.tfevents.1795438156.vm"
        let model = try Model(scheme, withoutExports: true, leaving: [eval])
        let full = fixtureBytes("estimator/loss_best/" + eval)
        let ends = RemoteIncrementalTests.recordEnds(full)
        // The file version, the graph and meta graph, then two events per
        // evaluation (its metrics, then its checkpoint path): steps 25 ... 250.
        try #require(ends.count == 23 && ends.last == full.count)
        // Through step 200, through 225, everything: each stage a new
        // version of the whole object, as a writer's flush uploads it.
        let stages = [ends[18], ends[20], ends[22]]

        var outputs: [String] = []
        for remote in [false, true] {
            var env = remote ? RemoteServers.environment(scheme) : [:]
            env["XDG_CACHE_HOME"] = model.local.path + "/cache-\(remote)"
            let root = remote ? model.url : model.localPath
            func publish(_ count: Int) throws {
                if remote {
                    try model.uploader.put(Array(full[..<count]), bucket: model.bucket, key: "model/" + eval)
                } else {
                    try Data(full[..<count]).write(to: URL(fileURLWithPath: model.localPath + "/" + eval))
                }
            }
            try publish(stages[0])
            let watch = try WatchProcess([root, "--keep", "5", "--format", "json"], environment: env)
            #expect(watch.wait { watch.lines.count == 1 }, "\(watch.stderr)")
            try publish(stages[1])
            #expect(watch.wait { watch.lines.count == 2 }, "\(watch.stderr)")
            try publish(stages[2])
            Thread.sleep(forTimeInterval: 1)  // ten polls: step 250 is worse, nothing more
            #expect(watch.stop(SIGTERM) == 0, "\(watch.stderr)")
            outputs.append(Self.normal(watch.stdout, model))
        }
        #expect(outputs[0].contains("\"global_step\":200") && outputs[0].contains("\"global_step\":225"), "\(outputs[0])")
        #expect(outputs[1] == outputs[0], "\(outputs[1])\nvs\n\(outputs[0])")
        let keys = try model.remoteExportKeys()
        #expect(keys.filter { $0.hasSuffix("/export_manifest.pb") }.count == 2, "\(keys)")
    }

    @Test("watch on s3:// while the eval object is re-uploaded as it grows exports what it exports locally",
          .enabled(if: RemoteServers.enabled("s3")))
    func watchGrowingS3() throws { try watchGrowing("s3") }

    @Test("watch on gs:// while the eval object is re-uploaded as it grows exports what it exports locally",
          .enabled(if: RemoteServers.enabled("gs")))
    func watchGrowingGCS() throws { try watchGrowing("gs") }

    @Test("convert writes an object whole (from a file or another bucket), refuses to replace one without --force",
          .enabled(if: RemoteServers.enabled("s3") && RemoteServers.enabled("gs")))
    func convertToBucket() throws {
        let input = CLIRunner.fixture("tf2/basic/events.out.tfevents.1795433651.vm.11589.0.v2")
        let scratch = ScratchDirectory()
        let s3Bucket = RemoteServers.freshBucket("convert"), gsBucket = RemoteServers.freshBucket("convert")
        try RemoteServers.uploader("s3").createBucket(s3Bucket)
        try RemoteServers.uploader("gs").createBucket(gsBucket)
        var env = RemoteServers.environment("s3")
        env.merge(RemoteServers.environment("gs")) { $1 }
        env["XDG_CACHE_HOME"] = scratch.path

        let local = try CLIRunner.run(["convert", input, scratch.path + "/local.zst"], environment: env, timeout: 60)
        #expect(local.status == 0, "\(local.stderr)")
        let s3URL = "s3://\(s3Bucket)/runs/converted.zst", gsURL = "gs://\(gsBucket)/copy/converted.gz"
        let upload = try CLIRunner.run(["convert", input, s3URL], environment: env, timeout: 60)
        #expect(upload.status == 0, "\(upload.stderr)")
        let stored = try RemoteServers.uploader("s3").get(bucket: s3Bucket, key: "runs/converted.zst")
        #expect(stored == (try Array(Data(contentsOf: URL(fileURLWithPath: scratch.path + "/local.zst")))))

        // Bucket to bucket, another compression: the same records.
        let across = try CLIRunner.run(["convert", s3URL, gsURL], environment: env, timeout: 60)
        #expect(across.status == 0, "\(across.stderr)")
        let scanLocal = try CLIRunner.run(["scan", "--format", "json", input], environment: env, timeout: 60)
        let scanRemote = try CLIRunner.run(["scan", "--format", "json", gsURL], environment: env, timeout: 60)
        #expect(scanRemote.status == 0, "\(scanRemote.stderr)")
        func records(_ text: String) -> [Substring] { text.split(separator: ",").filter { $0.contains("\"records\"") } }
        #expect(!records(scanLocal.stdout).isEmpty && records(scanRemote.stdout) == records(scanLocal.stdout),
                "\(scanRemote.stdout)\nvs\n\(scanLocal.stdout)")

        let again = try CLIRunner.run(["convert", input, s3URL], environment: env, timeout: 60)
        #expect(again.status == 2 && again.stderr.contains("\(s3URL): already exists"), "\(again.stderr)")
        let forced = try CLIRunner.run(["convert", "--force", "--compression", "gzip", input, s3URL], environment: env, timeout: 60)
        #expect(forced.status == 0, "\(forced.stderr)")
        let replaced = try RemoteServers.uploader("s3").get(bucket: s3Bucket, key: "runs/converted.zst")
        #expect(replaced?.prefix(2) == [0x1f, 0x8b], "gzip now")
    }
}
