import Foundation
import Testing
import TFEventsTestSupport

/// Objects are never appended to: a writer that flushes uploads a new
/// version holding the old bytes and more. The index takes such a version
/// for a grown file, checks the fingerprint of the prefix it indexed
/// (two ranged reads) and reads only the new bytes (one ranged read from
/// the indexed offset); a version whose prefix differs is read again.
@Suite("Remote: incremental index over re-uploaded objects")
struct RemoteIncrementalTests {
    /// The offsets where records end in a TFRecord file.
    static func recordEnds(_ bytes: [UInt8]) -> [Int] {
        var ends: [Int] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            var length = 0
            for i in 0 ..< 8 { length |= Int(bytes[offset + i]) << (8 * i) }
            offset += 12 + length + 4
            if offset <= bytes.count { ends.append(offset) }
        }
        return ends
    }

    static func index(_ url: String, _ indexPath: String, _ scheme: String) throws -> [String: Any] {
        let result = try CLIRunner.run(["index", url, "--index", indexPath, "--format", "json"],
                                       environment: RemoteServers.environment(scheme), timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func growingObject(_ scheme: String) throws {
        let uploader = try RemoteServers.uploader(scheme)
        let bucket = RemoteServers.freshBucket("grow")
        try uploader.createBucket(bucket)
        let full = fixtureBytes("estimator/loss_best/eval/events.out.tfevents.1795438156.vm")
        let ends = Self.recordEnds(full)
        try #require(ends.count > 10 && ends.last == full.count)
        let key = "model/eval/events.out.tfevents.1795438156.vm"
        let logdir = uploader.url(bucket: bucket, key: "model")
        let scratch = ScratchDirectory()
        let indexPath = scratch.path + "/remote.tfindex"

        // Version 1: the first records.
        let cut = ends[ends.count / 2]
        try uploader.put(Array(full[..<cut]), bucket: bucket, key: key)
        let first = try Self.index(logdir, indexPath, scheme)
        #expect(first["bytes_read"] as? Int == cut)

        // Version 2: the same bytes and the rest: only the rest is read.
        try uploader.put(full, bucket: bucket, key: key)
        let second = try Self.index(logdir, indexPath, scheme)
        #expect(second["files_read_from_start"] as? Int == 0, "\(second)")
        #expect(second["bytes_read"] as? Int == full.count - cut, "\(second)")
        #expect(second["bytes_skipped"] as? Int == cut, "\(second)")

        // Unchanged: nothing is read.
        let third = try Self.index(logdir, indexPath, scheme)
        #expect(third["bytes_read"] as? Int == 0, "\(third)")

        // The scalars through the index are the local file's.
        let local = scratch.path + "/model/eval"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        try full.writeFile(local + "/events.out.tfevents.1795438156.vm")
        let remoteScalars = try CLIRunner.run(["scalars", logdir, "--index", indexPath, "--format", "csv"],
                                              environment: RemoteServers.environment(scheme), timeout: 120)
        let localScalars = try CLIRunner.run(["scalars", scratch.path + "/model", "--no-index", "--format", "csv"], timeout: 120)
        #expect(remoteScalars.status == 0, "\(remoteScalars.stderr)")
        #expect(remoteScalars.stdout.replacingOccurrences(of: logdir, with: scratch.path + "/model") == localScalars.stdout)

        // Version 3: another run's file under the same key (longer, another
        // prefix): read again from the start.
        let rewritten = fixtureBytes("estimator/accuracy_best/eval/events.out.tfevents.1795438172.vm")
        try #require(rewritten.count > full.count)
        try uploader.put(rewritten, bucket: bucket, key: key)
        let fourth = try Self.index(logdir, indexPath, scheme)
        #expect(fourth["files_read_from_start"] as? Int == 1, "\(fourth)")
        #expect(fourth["bytes_read"] as? Int == rewritten.count, "\(fourth)")
    }

    @Test("s3://: a grown version is read from the indexed offset", .enabled(if: RemoteServers.enabled("s3")))
    func s3() throws { try growingObject("s3") }

    @Test("gs://: a grown generation is read from the indexed offset", .enabled(if: RemoteServers.enabled("gs")))
    func gcs() throws { try growingObject("gs") }
}
