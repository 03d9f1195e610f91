import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("tfevents scalars")
struct ScalarsCommandTests {
    @Test("JSONL has exactly path, tag, step, wall_time, value; doubles round-trip; non-finite as strings")
    func jsonl() throws {
        let result = try CLIRunner.run(["scalars", CLIRunner.fixture("tf2/basic")])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 43)
        var sawNaN = false, sawInf = false, sawTiny = false
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["path", "tag", "step", "wall_time", "value"])
            // Keys in the documented order.
            #expect(line.hasPrefix("{\"path\":"))
            if object["value"] as? String == "nan" { sawNaN = true }
            if object["value"] as? String == "-inf" { sawInf = true }
        }
        // Bit-exact text for a subnormal double and a float32-rounded value.
        sawTiny = result.stdout.contains("\"value\":-2.5e-310")
        #expect(sawNaN && sawInf && sawTiny)
        #expect(result.stdout.contains("\"tag\":\"loss\",\"step\":0,\"wall_time\":1795433651.880993,\"value\":1.017494559288025}"))
    }

    @Test("--format arrow: the same stream byte for byte from the files and from the index's chunks, with --tag and --path-column")
    func arrowFromIndexEqualsDirect() throws {
        let scratch = ScratchDirectory()
        let logs = scratch.path + "/logs"
        let generated = try CLIRunner.run(["generate", logs, "--kind", "eval", "--size", "4M", "--files", "3"], timeout: 120)
        #expect(generated.status == 0, "\(generated.stderr)")
        try FileManager.default.copyItem(atPath: CLIRunner.fixture("tensorboardx"), toPath: logs + "/tbx")
        let environment = ["XDG_CACHE_HOME": scratch.path + "/cache"]
        let built = try CLIRunner.run(["index", logs], environment: environment, timeout: 120)
        #expect(built.status == 0, "\(built.stderr)")
        /// The exact bytes on standard output (CLIRunner's text would replace invalid UTF-8).
        func stream(_ arguments: [String], status: Int32 = 0) throws -> Data {
            let output = scratch.path + "/out-\(UUID().uuidString)"
            let quoted = ([CLIRunner.executable.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", quoted + " > '" + output + "'"]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == status, "\(arguments)")
            return try Data(contentsOf: URL(fileURLWithPath: output))
        }
        // Files read by 1, 2 or 4 workers (blocks of points appended in file
        // order) give the stream a single reader gives, damaged files too.
        let damaged = try stream(["scalars", logs, CLIRunner.fixture("corrupt"), "--format", "arrow", "--no-index", "--jobs", "1"],
                                 status: 1)
        #expect(damaged.count > 1000)
        for jobs in ["2", "4"] {
            let parallel = try stream(["scalars", logs, CLIRunner.fixture("corrupt"), "--format", "arrow", "--no-index",
                                       "--jobs", jobs], status: 1)
            let same = parallel == damaged
            #expect(same, "--jobs \(jobs): the streams differ (\(parallel.count) and \(damaged.count) bytes)")
        }
        for extra in [[], ["--tag", "loss", "--tag", "run1/*"], ["--path-column"]] {
            let indexed = try stream(["scalars", logs, "--format", "arrow"] + extra)
            let direct = try stream(["scalars", logs, "--format", "arrow", "--no-index"] + extra)
            #expect(indexed.count > 1000)
            let same = indexed == direct
            #expect(same, "\(extra): the streams differ (\(indexed.count) and \(direct.count) bytes)")
        }
        let text = try CLIRunner.run(["scalars", logs, "--format", "csv", "--path-column"], timeout: 60)
        #expect(text.status != 0 && text.stderr.contains("--path-column applies to --format arrow"), "\(text.stderr)")
    }

    @Test("CSV and JSON lines from the index's chunks, made on 1, 2 or 4 threads, equal the files' rows byte for byte")
    func indexedTextEqualsDirect() throws {
        let scratch = ScratchDirectory()
        for fixture in ["tf1", "tf2", "tensorboardx", "hparams/tf", "frameworks/keras"] {
            for arguments in [["--format", "csv"], ["--format", "jsonl"], ["--format", "csv", "--tag", "*loss*"]] {
                let direct = try CLIRunner.run(["scalars", CLIRunner.fixture(fixture), "--no-index"] + arguments, timeout: 60)
                #expect(direct.stdout.split(separator: "\n").count > 5, "\(fixture) \(arguments)")
                for jobs in ["1", "2", "4"] {
                    let indexed = try CLIRunner.run(["scalars", CLIRunner.fixture(fixture), "--index", scratch.path + "/i-" + fixture.replacingOccurrences(of: "/", with: "-"),
                                                     "--jobs", jobs] + arguments, timeout: 60)
                    #expect(indexed.status == direct.status, "\(fixture) \(arguments) jobs \(jobs)")
                    let same = indexed.stdout == direct.stdout
                    #expect(same, "\(fixture) \(arguments) jobs \(jobs): the rows differ")
                }
            }
        }
    }

    /// A generated eval log of about `bytes` bytes in `directory` (made if
    /// missing), named after its seed.
    static func writeLog(in directory: String, seed: Int, bytes: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try EvalLogGenerator.writeFile(path: directory + "/events.out.tfevents.\(seed).gen", seed: UInt64(seed),
                                           limit: .bytes(bytes))
    }

    @Test("rows of chunks and blocks of several slices (made side by side, finished out of order) equal the serial rows")
    func windowsEqualSerial() throws {
        let scratch = ScratchDirectory()
        for seed in 1 ... 3 {
            // About 100,000 points each: more than a block of the direct
            // path (65,536) and several slices (16,384 points each).
            try Self.writeLog(in: scratch.path + "/logs/run\(seed)", seed: seed, bytes: 3 << 20)
        }
        for arguments in [["--format", "csv"], ["--format", "jsonl", "--tag", "*loss*"]] {
            let serial = try CLIRunner.run(["scalars", scratch.path + "/logs", "--no-index", "--jobs", "1"] + arguments, timeout: 120)
            #expect(serial.status == 0 && serial.stdout.split(separator: "\n").count > 100_000, "\(arguments)")
            for jobs in ["2", "4"] {
                let direct = try CLIRunner.run(["scalars", scratch.path + "/logs", "--no-index", "--jobs", jobs] + arguments, timeout: 120)
                let same = direct.stdout == serial.stdout
                #expect(same, "\(arguments) --no-index --jobs \(jobs)")
            }
            for jobs in ["1", "2", "4"] {
                let indexed = try CLIRunner.run(["scalars", scratch.path + "/logs", "--index", scratch.path + "/index",
                                                 "--jobs", jobs] + arguments, timeout: 120)
                #expect(indexed.status == 0)
                let same = indexed.stdout == serial.stdout
                #expect(same, "\(arguments) through the index, --jobs \(jobs)")
            }
        }
    }

    @Test("many small files gathered into shared slices, with a large file among them: the same rows as the index's chunks")
    func smallFilesGatheredEqualIndexed() throws {
        let scratch = ScratchDirectory()
        // 60 files of about 1,000 points (gathered: more than a batch's
        // worth in all, so parts straddle slices and batches), and one of
        // about 100,000 points in the middle of the sorted order (written
        // on its own, after the gathered files before it).
        for seed in 1 ... 60 {
            try Self.writeLog(in: scratch.path + "/logs/run\(String(seed, radix: 10).count == 1 ? "0" : "")\(seed)", seed: seed,
                              bytes: 30 << 10)
        }
        try Self.writeLog(in: scratch.path + "/logs/run30b", seed: 99, bytes: 3 << 20)
        for arguments in [["--format", "csv"], ["--format", "jsonl", "--tag", "*loss*"]] {
            let indexed = try CLIRunner.run(["scalars", scratch.path + "/logs", "--index", scratch.path + "/index", "--jobs", "1"]
                                            + arguments, timeout: 120)
            let rows = indexed.stdout.split(separator: "\n").count
            #expect(indexed.status == 0 && rows > (arguments.contains("--tag") ? 20_000 : 120_000), "\(arguments): \(rows) rows")
            for jobs in ["1", "2", "4"] {
                let direct = try CLIRunner.run(["scalars", scratch.path + "/logs", "--no-index", "--jobs", jobs] + arguments,
                                               timeout: 120)
                #expect(direct.status == 0)
                let same = direct.stdout == indexed.stdout
                #expect(same, "\(arguments) --no-index --jobs \(jobs)")
            }
        }
    }

    @Test("files cut into small ranges read side by side, damaged across the cuts: the serial rows, errors and status")
    func rangesEqualSerial() throws {
        let scratch = ScratchDirectory()
        let log = scratch.path + "/source"
        try Self.writeLog(in: log, seed: 7, bytes: 400 << 10)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: log + "/events.out.tfevents.7.gen")))
        let logs = scratch.path + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let copies = try DamagedCopies.write(of: bytes, in: logs)
        #expect(copies.count > 8)
        for arguments in [["--format", "csv"], ["--format", "jsonl", "--tag", "*loss*"]] {
            // Files under twice the default range are read whole: the serial reading.
            let serial = try CLIRunner.run(["scalars", logs, "--no-index", "--jobs", "1"] + arguments, timeout: 120)
            #expect(serial.status == 1, "damaged copies make it exit 1: \(serial.stderr)")
            #expect(serial.stdout.split(separator: "\n").count > 10_000 && !serial.stderr.isEmpty)
            for (jobs, range) in [("1", "16384"), ("2", "4096"), ("2", "65536"), ("4", "9000")] {
                let cut = try CLIRunner.run(["scalars", logs, "--no-index", "--jobs", jobs, "--range-bytes", range] + arguments,
                                            timeout: 120)
                let same = cut.stdout == serial.stdout
                #expect(same, "\(arguments) --jobs \(jobs) --range-bytes \(range)")
                #expect(cut.stderr == serial.stderr, "\(arguments) --jobs \(jobs) --range-bytes \(range)")
                #expect(cut.status == serial.status)
            }
        }
    }

    @Test("--tag filters by glob; files in sorted order; CSV header")
    func tagFilterAndCSV() throws {
        let result = try CLIRunner.run(["scalars", "--tag", "lo*", "--format", "csv", CLIRunner.fixture("tf2/multi_file")])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "path,tag,step,wall_time,value")
        #expect(lines.count == 1 + 25)
        #expect(lines.dropFirst().allSatisfy { $0.contains(",loss,") })
        let files = lines.dropFirst().map { $0.split(separator: ",")[0] }
        #expect(files == files.sorted())
    }

    @Test("files made in parallel come out as the serial run writes them: every byte, stderr and exit status")
    func parallelEqualsSerial() throws {
        let scratch = ScratchDirectory()
        // Many files larger than one block (so blocks queue up behind a
        // slower file), small ones, a damaged one and the fixtures.
        for seed in 1 ... 6 {
            try Self.writeLog(in: scratch.path + "/logs/run\(seed % 3)", seed: seed, bytes: seed % 2 == 0 ? 3 << 20 : 40 << 10)
        }
        try FileManager.default.copyItem(atPath: CLIRunner.fixture("corrupt"), toPath: scratch.path + "/logs/corrupt")
        try FileManager.default.copyItem(atPath: CLIRunner.fixture("compressed"), toPath: scratch.path + "/logs/compressed")
        for arguments in [["--format", "csv"], ["--format", "jsonl"], ["--format", "csv", "--tag", "loss", "--tag", "acc*"]] {
            let base = ["scalars", scratch.path + "/logs", "--no-index"] + arguments
            let serial = try CLIRunner.run(base + ["--jobs", "1"])
            #expect(serial.status == 1, "the damaged files make it exit 1: \(serial.stderr)")
            #expect(serial.stdout.count > 1 << 20)
            for jobs in ["2", "3", "8"] {
                let parallel = try CLIRunner.run(base + ["--jobs", jobs])
                #expect(parallel.status == serial.status)
                #expect(parallel.stdout == serial.stdout, "\(arguments) --jobs \(jobs)")
                #expect(parallel.stderr == serial.stderr, "\(arguments) --jobs \(jobs)")
            }
        }
    }
}
