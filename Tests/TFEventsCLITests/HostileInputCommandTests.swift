import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Side files that are not files, names that are not UTF-8, commands that
/// try to escape their quotes, files rewritten under the index: each once
/// hung, crashed, leaked or lied, and must not any more.
@Suite("Hostile input")
struct HostileInputCommandTests {
    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    // MARK: Side files

    @Test("a `checkpoint` that is /dev/zero is refused at once, not read to exhaustion")
    func checkpointIsDevZero() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        try FileManager.default.removeItem(atPath: model.path + "/checkpoint")
        try FileManager.default.createSymbolicLink(atPath: model.path + "/checkpoint", withDestinationPath: "/dev/zero")
        let result = try CLIRunner.run(["export", model.path], timeout: 20)
        #expect(!result.timedOut)
        #expect(result.status == 4, "\(result.stderr)")
        #expect(result.stderr.contains("a character device, not a regular file"), "\(result.stderr)")
    }

    @Test("an export_manifest.pb that is a FIFO does not hang export while it holds the lock")
    func manifestIsFIFO() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        #expect(try CLIRunner.run(["export", model.path]).status == 0)
        let export = try #require(model.exports.first)
        let manifest = model.exportPath + "/" + export + "/export_manifest.pb"
        try FileManager.default.removeItem(atPath: manifest)
        #expect(mkfifo(manifest, 0o644) == 0)
        try model.evaluate(step: 200, ["loss": 0.9])
        let result = try CLIRunner.run(["export", model.path, "--keep", "1"], timeout: 20)
        #expect(!result.timedOut)
        #expect(result.stderr.contains("a FIFO, not a regular file"), "\(result.stderr)")
    }

    @Test("a 5 MB `checkpoint` is refused, and the error quotes none of it")
    func hugeCheckpoint() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        let line = "model_checkpoint_path: \"" + String(repeating: "x", count: 5 << 20) + "\"\n"
        try Data(line.utf8).write(to: URL(fileURLWithPath: model.path + "/checkpoint"))
        let result = try CLIRunner.run(["export", model.path], timeout: 20)
        #expect(result.status == 4)
        #expect(result.stderr.contains("larger than 4194304 bytes"), "\(result.stderr.prefix(300))")
        #expect(result.stderr.utf8.count < 4096)
        // Under the limit but longer than any path: refused with an excerpt.
        let long = "model_checkpoint_path: \"" + String(repeating: "y", count: 1 << 20) + "\"\n"
        try Data(long.utf8).write(to: URL(fileURLWithPath: model.path + "/checkpoint"))
        let second = try CLIRunner.run(["export", model.path], timeout: 20)
        #expect(second.status == 4)
        #expect(second.stderr.contains("more than a path can be"), "\(second.stderr.prefix(300))")
        #expect(second.stderr.utf8.count < 4096)
    }

    // MARK: Special files and names in directories

    @Test("a FIFO named like an event file in a log directory is skipped by scan, index and best, saying so")
    func fifoInLogdir() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        #expect(mkfifo(model.evalDirectory + "/events.out.tfevents.1800000000.fifo", 0o644) == 0)
        let cache = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        for arguments in [["scan", model.path], ["index", model.path], ["best", model.path]] {
            let result = try CLIRunner.run(arguments, environment: ["XDG_CACHE_HOME": cache], timeout: 30)
            #expect(!result.timedOut, "\(arguments[0]) hung")
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("skipped: a FIFO, not a regular file"), "\(arguments[0]): \(result.stderr)")
        }
        // Named on the command line, a FIFO is still read as a stream.
        let fifo = model.evalDirectory + "/events.out.tfevents.1800000000.fifo"
        let source = try #require(FileManager.default.contentsOfDirectory(atPath: model.evalDirectory)
            .first { !$0.hasSuffix(".fifo") })
        let feeder = Process()
        feeder.executableURL = URL(fileURLWithPath: "/bin/sh")
        feeder.arguments = ["-c", "cat '\(model.evalDirectory)/\(source)' > '\(fifo)'"]
        try feeder.run()
        let streamed = try CLIRunner.run(["scan", "--format", "json", fifo], timeout: 30)
        feeder.waitUntilExit()
        #expect(streamed.status == 0 && streamed.stdout.contains("\"records\":2"), "\(streamed.stdout) \(streamed.stderr)")
    }

    @Test("a dangling or looping link named like an event file is skipped by every walk, saying so")
    func brokenLinksInLogdir() throws {
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        let dangling = model.evalDirectory + "/events.out.tfevents.1800000001.gone"
        let loop = model.evalDirectory + "/events.out.tfevents.1800000002.loop"
        #expect(symlink(model.path + "/no-such-file", dangling) == 0)
        #expect(symlink(loop, loop) == 0)
        let cache = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        for arguments in [["scan", model.path], ["index", model.path], ["best", model.path],
                          ["scalars", model.path], ["scalars", "--no-index", model.path]] {
            let result = try CLIRunner.run(arguments, environment: ["XDG_CACHE_HOME": cache], timeout: 30)
            let what = arguments.joined(separator: " ")
            #expect(result.status == 0, "\(what): \(result.stderr)")
            #expect(result.stderr.contains("1800000001.gone: skipped: a link that cannot be followed (No such file or directory)"),
                    "\(what): \(result.stderr)")
            #expect(result.stderr.contains("1800000002.loop: skipped: a link that cannot be followed (Too many levels of symbolic links)"),
                    "\(what): \(result.stderr)")
        }
    }

    @Test("a file name that is not UTF-8 is found, read and shown with \\x escapes")
    func nonUTF8Name() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The byte 0xFF, which no UTF-8 text contains, through PathBytes.
        let name = "events.out.tfevents.1600000000.caf\u{10FCE9}"
        let path = directory + "/" + name
        _ = try EvalLogGenerator.writeFile(path: path, seed: 3, limit: .events(50))
        #expect(try Directories.list(directory) == [name])
        #expect(PathBytes.bytes(name).last == 0xE9)
        let listing = try CLIRunner.run(["scan", directory])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains("caf\\xe9"), "\(listing.stdout)")
        let json = try CLIRunner.run(["scan", "--format", "json", directory])
        #expect(json.stdout.contains("\"records\":50,"), "\(json.stdout)")
    }

    @Test("control characters in a file name reach the terminal escaped")
    func controlCharactersEscaped() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try EvalLogGenerator.writeFile(path: directory + "/events.out.tfevents.\u{1B}[31mred", seed: 3, limit: .events(5))
        let result = try CLIRunner.run(["scan", directory])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("\u{1B}"))
        #expect(result.stdout.contains("events.out.tfevents.\\x1b[31mred"), "\(result.stdout)")
    }

    // MARK: Commands

    @Test("a quoted placeholder cannot run a model directory's name as code; single quotes are refused")
    func commandPlaceholders() throws {
        let parent = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let marker = parent + "/pwned"
        let model = ModelDirectoryFixture()
        try model.evaluate(step: 100, ["loss": 0.5])
        // Run from `parent`: an injected `touch pwned` would create the marker there.
        let hostile = parent + "/$(touch pwned)"
        try FileManager.default.moveItem(atPath: model.path, toPath: hostile)
        defer { try? FileManager.default.moveItem(atPath: hostile, toPath: model.path) }
        let result = try CLIRunner.run(["export", hostile, "--command", "echo \"{model_dir}\" > \"{export_dir}/seen\""],
                                       currentDirectory: URL(fileURLWithPath: parent))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        let exports = try FileManager.default.contentsOfDirectory(atPath: hostile + "/export/best_exporter").filter { $0.count == 10 }
        let seen = try String(contentsOfFile: hostile + "/export/best_exporter/" + exports[0] + "/seen", encoding: .utf8)
        #expect(seen == hostile + "\n")

        let refused = try CLIRunner.run(["export", hostile, "--command", "echo '{model_dir}'"],
                                        currentDirectory: URL(fileURLWithPath: parent))
        #expect(refused.status == 2, "\(refused.status) \(refused.stderr)")
        #expect(refused.stderr.contains("inside single quotes"), "\(refused.stderr)")
    }

    // MARK: Reading

    @Test("--stop-on-error stops at a record whose payload is not an Event, as TensorFlow's reader does")
    func stopAtInvalidEvent() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/events.out.tfevents.1600000000.bad"
        let writer = try RecordWriter(path: path)
        var encoder = EventEncoder()
        encoder.encode(.fileVersion(wallTime: 1_600_000_000))
        try writer.write(encoder.bytes)
        let badOffset = writer.offset
        try writer.write([0xFF, 0xFF, 0xFF])  // framing fine, not a protobuf message
        encoder.encode(.scalars(wallTime: 1_600_000_001, step: 1, [("loss", 0.5)], style: .simpleValue))
        try writer.write(encoder.bytes)
        try writer.close()
        let recovering = try CLIRunner.run(["scan", "--format", "json", path])
        #expect(recovering.stdout.contains("\"scalars\":1"), "\(recovering.stdout)")
        let stopping = try CLIRunner.run(["scan", "--stop-on-error", "--format", "json", path])
        #expect(stopping.status == 1)
        #expect(stopping.stdout.contains("\"scalars\":0"), "\(stopping.stdout)")
        #expect(stopping.stderr.contains("offset \(badOffset)"), "\(stopping.stderr)")
    }

    // MARK: The index

    @Test("a file rewritten in place (same inode, not smaller) is read again, not taken for an append")
    func rewriteInPlace() throws {
        let model = ModelDirectoryFixture()
        let cache = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let path = model.evalDirectory + "/events.out.tfevents.1600000000.host"
        _ = try EvalLogGenerator.writeFile(path: path, seed: 1, limit: .events(200))
        let first = try CLIRunner.run(["best", model.path, "--format", "json"], environment: ["XDG_CACHE_HOME": cache])
        #expect(first.status == 0 || first.status == 3, "\(first.stderr)")
        // Another log, larger, written over the same inode (as `cp` does).
        let other = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: other) }
        _ = try EvalLogGenerator.writeFile(path: other + "/log", seed: 2, limit: .events(400))
        let replacement = try Data(contentsOf: URL(fileURLWithPath: other + "/log"))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: replacement)
        try handle.close()
        let indexed = try CLIRunner.run(["best", model.path, "--format", "json"], environment: ["XDG_CACHE_HOME": cache])
        let direct = try CLIRunner.run(["best", model.path, "--format", "json", "--no-index"])
        #expect(indexed.status == 0 && direct.status == 0, "\(indexed.stderr) \(direct.stderr)")
        #expect(indexed.stdout == direct.stdout)
        #expect(first.stdout != direct.stdout)
    }

    @Test("a stale <index>.tmp.<pid> of a dead process is removed by the next build; a live one is kept")
    func staleTemporaryFiles() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        _ = try EvalLogGenerator.writeFile(path: directory + "/logs/events.out.tfevents.1.a", seed: 1, limit: .events(20))
        let index = directory + "/cache/logs.tfindex"
        try FileManager.default.createDirectory(atPath: directory + "/cache", withIntermediateDirectories: true)
        let maxPID = Int32((try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 4_194_304
        let dead = index + ".tmp.\(maxPID)"  // above pid_max: no process has it
        let live = index + ".tmp.\(getpid())"
        for path in [dead, live] { #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 1000))) }
        let result = try CLIRunner.run(["index", directory + "/logs", "--index", index])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live))
    }

    @Test("SIGTERM during a first index build leaves no temporary file")
    func interruptedBuild() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        _ = try EvalLogGenerator.writeFile(path: directory + "/logs/events.out.tfevents.0.a", seed: 1, limit: .bytes(32 << 20))
        for i in 1 ..< 6 {
            try FileManager.default.copyItem(atPath: directory + "/logs/events.out.tfevents.0.a",
                                             toPath: directory + "/logs/events.out.tfevents.\(i).a")
        }
        // The shell starts the build, waits for its temporary file, sends
        // SIGTERM and reports how the build ended (143: by the signal).
        let script = """
            '\(CLIRunner.executable.path)' index logs --index cache/logs.tfindex --jobs 1 --progress never &
            pid=$!
            i=0
            while [ $i -lt 3000 ] && ! ls cache 2>/dev/null | grep -q '\\.tmp\\.'; do i=$((i+1)); sleep 0.01; done
            kill -TERM $pid
            wait $pid
            echo "status $?"
            """
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", script]
        shell.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        shell.standardOutput = output
        shell.standardError = FileHandle.nullDevice
        try shell.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(printed.contains("status 143"), "the build was not ended by the signal: \(printed)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/cache")) ?? []
        #expect(!left.contains { $0.contains(".tmp.") }, "\(left)")
    }

    @Test("scalars through the index holds a few chunks at a time: its memory does not grow with the log")
    func scalarsMemoryBounded() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // One log of 48 MiB (6 stored chunks) and one of 144 MiB (18 chunks).
        var peaks: [(direct: Int, indexed: Int, arrow: Int)] = []
        for (name, size) in [("small", 48 << 20), ("large", 144 << 20)] {
            let logs = directory + "/" + name
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
            _ = try EvalLogGenerator.writeFile(path: logs + "/events.out.tfevents.1.a", seed: 5, limit: .bytes(size))
            let index = directory + "/" + name + ".tfindex"
            #expect(try CLIRunner.run(["index", logs, "--index", index]).status == 0)
            let direct = try CLIRunner.peakMemory(["scalars", logs, "--no-index"])
            let indexed = try CLIRunner.peakMemory(["scalars", logs, "--index", index])
            let arrow = try CLIRunner.peakMemory(["scalars", logs, "--index", index, "--format", "arrow", "--tag", "no-such-tag"])
            #expect(direct.status == 0 && indexed.status == 0 && arrow.status == 0)
            print("scalars peak RSS (\(name)): direct \(direct.peakKiB) KiB, through the index \(indexed.peakKiB) KiB, arrow \(arrow.peakKiB) KiB")
            peaks.append((direct.peakKiB, indexed.peakKiB, arrow.peakKiB))
        }
        // Three times the log, three times the chunks, the same few in
        // memory (the allocator settles within the first few: a 1 GiB log
        // peaks where a 256 MiB one does); holding the 12 more chunks
        // would add 60 MB.
        #expect(peaks[1].indexed < peaks[0].indexed + (24 << 10), "\(peaks)")
        #expect(peaks[1].arrow < peaks[0].arrow + (24 << 10), "\(peaks)")
        // Decoded chunks in flight (two ahead, one in use, about 5 MB each,
        // with their compressed and decompressed segments while decoding),
        // the rows of one window, and what each thread's allocator keeps:
        // tens of megabytes over a direct read (64 MB in a debug build).
        #expect(peaks[1].indexed < peaks[1].direct + (96 << 10), "\(peaks)")
    }

    @Test("scalars on a directory whose index cannot be written reads the files directly")
    func scalarsWithoutCache() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        _ = try EvalLogGenerator.writeFile(path: directory + "/logs/events.out.tfevents.1.a", seed: 5, limit: .events(30))
        #expect(FileManager.default.createFile(atPath: directory + "/not-a-directory", contents: Data()))
        let result = try CLIRunner.run(["scalars", directory + "/logs"],
                                       environment: ["XDG_CACHE_HOME": directory + "/not-a-directory/cache"])
        let direct = try CLIRunner.run(["scalars", directory + "/logs", "--no-index"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("reading the files directly"), "\(result.stderr)")
        #expect(result.stdout == direct.stdout && !direct.stdout.isEmpty)
    }
}
