import Foundation
import Testing
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsTestSupport

/// `tfevents runs` on the HParams fixtures and on model directories, and
/// `--run`/`--run-regex` on every command that reads a log directory.
@Suite("tfevents runs and run selection")
struct RunsCommandTests {
    static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-runs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Whether `row` has `key` and its value is JSON `null` (``ExactJSON``
    /// stores `Optional<Any>.none`, which prints as `nil`).
    static func isNull(_ row: [String: Any], _ key: String) -> Bool {
        guard let value = row[key] else { return false }
        return String(describing: value) == "nil"
    }

    /// `runs ... --format json` as rows.
    static func rows(_ arguments: [String], index: String) throws -> (rows: [[String: Any]], result: CLIResult) {
        let result = try CLIRunner.run(["runs"] + arguments + ["--format", "json", "--index", index])
        let parsed = try ExactJSON.parse(Array(result.stdout.utf8)) as? [Any] ?? []
        return (parsed.compactMap { $0 as? [String: Any] }, result)
    }

    @Test("TensorFlow's hparams API: a row per session, best first, hparams typed, the experiment's metrics in subdirectories")
    func tensorFlowSweep() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (rows, result) = try Self.rows([CLIRunner.fixture("hparams/tf")], index: scratch + "/i")
        #expect(result.status == 0, "\(result.stderr)")
        // The root run holds only the experiment: not a session, and no note about it.
        #expect(!result.stderr.contains("outside"), "\(result.stderr)")
        #expect(rows.map { $0["run"] as? String } == ["run-3", "run-2", "run-0", "run-1"])
        let best = try #require(rows.first)
        #expect(best["status"] as? String == "unknown")
        #expect(best["group"] as? String == "t2")
        #expect(best["num_units"] as? Double == 16 && best["dropout"] as? Double == 0.3)
        #expect(best["optimizer"] as? String == "adam" && best["augment"] as? Bool == true)
        #expect(best["validation/epoch_accuracy.best"] as? Double == 0.9375)
        #expect(best["validation/epoch_accuracy.best_step"] as? Int64 == 4)
        #expect(best["train/epoch_loss.last"] as? Double == 0.125)
        #expect(best["final_score.best"] as? Double == 0.9375)
        #expect(best["first_step"] as? Int64 == 0 && best["last_step"] as? Int64 == 4)
        #expect(Self.isNull(best, "checkpoint"))
        #expect(rows.last?["status"] as? String == "failure")
    }

    @Test("--metric with min:/max: and --higher-is-better choose the order; CSV has one header and a row per session")
    func metricsAndFormats() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let logdir = CLIRunner.fixture("hparams/tf")
        let loss = try Self.rows([logdir, "--metric", "min:train/epoch_loss"], index: scratch + "/i").rows
        #expect(loss.map { $0["run"] as? String } == ["run-3", "run-2", "run-0", "run-1"])
        #expect(loss.first?.keys.contains("validation/epoch_accuracy.best") == false)
        let worstFirst = try Self.rows([logdir, "--metric", "min:final_score"], index: scratch + "/i").rows
        #expect(worstFirst.map { $0["run"] as? String } == ["run-1", "run-0", "run-2", "run-3"])
        let flagged = try Self.rows([logdir, "--metric", "epoch_loss", "--higher-is-better", "epoch_loss", "--per-run"],
                                    index: scratch + "/i").rows
        #expect(flagged.first?["run"] as? String == "run-1/train")
        // Per run: 13 runs (the root, four trials and their train/ and validation/).
        #expect(flagged.count == 13)
        let csv = try CLIRunner.run(["runs", logdir, "--format", "csv", "--index", scratch + "/i"])
        #expect(csv.status == 0)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.first?.hasPrefix("run,status,group,") == true)
        #expect(lines.first?.contains("validation/epoch_accuracy.best,validation/epoch_accuracy.best_step") == true)
        let text = try CLIRunner.run(["runs", logdir, "--index", scratch + "/i"])
        #expect(text.stdout.split(separator: "\n").count == 5 && text.stdout.hasPrefix("run "))
    }

    @Test("tensorboardX sessions are the timestamped subdirectories; the runs beside them are named on stderr")
    func tensorboardXSessions() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (rows, result) = try Self.rows([CLIRunner.fixture("hparams/tensorboardx")], index: scratch + "/i")
        #expect(result.status == 0)
        #expect(rows.count == 4 && rows.allSatisfy { ($0["run"] as? String)?.split(separator: "/").count == 2 })
        #expect(rows.first?["lr"] as? Double == 0.01 && rows.first?["hparam/accuracy.best"] as? Double == 0.9375)
        #expect(result.stderr.contains("4 run(s) outside the HParams sessions not shown"))
        let perRun = try Self.rows([CLIRunner.fixture("hparams/tensorboardx"), "--per-run", "--metric", "train/loss"],
                                   index: scratch + "/i").rows
        #expect(perRun.count == 8)
        #expect(perRun.filter { $0["train/loss.best"] is Double }.count == 4)
    }

    @Test("a row that is a model directory names the checkpoint of its best step, as `best` does; a deleted one is said")
    func checkpoints() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let logdir = CLIRunner.fixture("estimator")
        let (rows, result) = try Self.rows([logdir, "--metric", "eval/loss"], index: scratch + "/i")
        #expect(result.status == 0)
        let best = try CLIRunner.run(["best", logdir + "/loss_best", "--format", "json"])
        let bestJSON = try #require(try ExactJSON.parse(Array(best.stdout.utf8)) as? [String: Any])
        let checkpoint = try #require(rows.first { $0["run"] as? String == "loss_best" }?["checkpoint"] as? String)
        #expect(checkpoint == "loss_best/model.ckpt-225")
        #expect((bestJSON["checkpoint"] as? String)?.hasSuffix("/" + checkpoint) == true)
        let evalRow = try #require(rows.first { $0["run"] as? String == "loss_best/eval" })
        #expect(Self.isNull(evalRow, "checkpoint"))
        let accuracy = try CLIRunner.run(["runs", logdir, "--metric", "max:eval/accuracy", "--run", "accuracy_best",
                                          "--index", scratch + "/i"])
        #expect(accuracy.status == 0)
        #expect(accuracy.stderr.contains("accuracy_best: no checkpoint for the best step 75"))
    }

    @Test("malformed hparams data: exit 1, the file and the record's offset named, the other sessions listed")
    func malformedHParams() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let logdir = scratch + "/logs"
        try FileManager.default.createDirectory(atPath: logdir + "/bad", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLIRunner.fixture("hparams/torch/adam_lr0.001"), toPath: logdir + "/good")
        let writer = try EventFileWriter(path: logdir + "/bad/events.out.tfevents.1.bad")
        try writer.writeScalar("hparam/accuracy", 0.5, step: 1)
        // session_start_info (3) whose length runs past the content.
        let content: [UInt8] = [0x1A, 0x40, 0x0A, 0x02]
        let metadata = EventRecord.Metadata(pluginData: EventRecord.PluginData(name: "hparams", content: content))
        try writer.write(EventRecord(wallTime: 2, step: 0, what: .summary([
            EventRecord.Value(tag: "_hparams_/session_start_info", metadata: metadata, value: .none),
        ])))
        try writer.close()
        let offset = try LogdirIndex.firstOffset(of: "_hparams_/session_start_info", in: logdir + "/bad",
                                                 indexPath: scratch + "/offsets")
        let (rows, result) = try Self.rows([logdir], index: scratch + "/i")
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad/events.out.tfevents.1.bad: record at offset \(offset) holds malformed hparams data"),
                "\(result.stderr)")
        #expect(rows.map { $0["run"] as? String } == ["good"])
    }

    @Test("--run and --run-regex: scan, scalars (direct and indexed), tags and report read only those runs")
    func selection() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let logdir = CLIRunner.fixture("hparams/tf")
        let scan = try CLIRunner.run(["scan", logdir, "--run", "run-1", "--format", "jsonl"])
        #expect(scan.status == 0)
        let scanned = scan.stdout.split(separator: "\n")
        #expect(scanned.count == 3 && scanned.allSatisfy { $0.contains("/hparams/tf/run-1/") })

        let direct = try CLIRunner.run(["scalars", logdir, "--run", "run-1", "--run", "run-3/train", "--no-index", "--format", "csv"])
        let indexed = try CLIRunner.run(["scalars", logdir, "--run", "run-1", "--run", "run-3/train", "--format", "csv",
                                         "--index", scratch + "/s"])
        #expect(direct.status == 0 && indexed.status == 0)
        #expect(direct.stdout == indexed.stdout)
        let points = direct.stdout.split(separator: "\n").dropFirst()
        #expect(points.count == 1 + 5 + 5 + 5)  // final_score, run-1's train and validation, run-3's train
        #expect(points.allSatisfy { $0.contains("/run-1/") || $0.contains("/run-3/train/") })

        let tags = try CLIRunner.run(["tags", logdir, "--run-regex", "^run-[23]/validation$", "--format", "jsonl",
                                      "--index", scratch + "/t"])
        let tagRuns = Set(tags.stdout.split(separator: "\n").compactMap {
            (try? ExactJSON.parse(Array($0.utf8)) as? [String: Any])?["run"] as? String
        })
        #expect(tagRuns == ["run-2/validation", "run-3/validation"])

        let bad = try CLIRunner.run(["tags", logdir, "--run-regex", "(unclosed"])
        #expect(bad.status == 2 && bad.stderr.contains("--run-regex"))

        let page = scratch + "/report.html"
        let report = try CLIRunner.run(["report", logdir, "--run", "run-[23]", "--out", page, "--index", scratch + "/r"])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("2 sessions") && html.contains("run-3/validation") && !html.contains("run-0"))
    }

    @Test("the index is filtered, not rebuilt: a selected update reads those runs only, and keeps the others")
    func indexKeepsOtherRuns() throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let logdir = CLIRunner.fixture("hparams/tf")
        func index(_ extra: [String]) throws -> [String: Any] {
            let result = try CLIRunner.run(["index", logdir, "--format", "json", "--index", scratch + "/i"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            return try ExactJSON.parse(Array(result.stdout.utf8)) as? [String: Any] ?? [:]
        }
        #expect(try index(["--run", "run-1"])["files_read"] as? Int64 == 3)
        // Everything else now: run-1's three files are not read again.
        let rest = try index([])
        #expect(rest["files_read"] as? Int64 == 10 && rest["files"] as? Int64 == 13)
        #expect(try index(["--run", "run-0"])["files_read"] as? Int64 == 0)
        #expect(try index(["--run", "run-0"])["files"] as? Int64 == 13)
        let tags = try CLIRunner.run(["tags", logdir, "--format", "jsonl", "--index", scratch + "/i"])
        #expect(Set(tags.stdout.split(separator: "\n").compactMap {
            (try? ExactJSON.parse(Array($0.utf8)) as? [String: Any])?["run"] as? String
        }).count == 13)
    }
}

extension LogdirIndex {
    /// The offset of the record where `tag` first appears in the one event
    /// file of `directory`, read by a fresh index.
    static func firstOffset(of tag: String, in directory: String, indexPath: String) throws -> Int {
        let index = try LogdirIndex(logdir: directory, indexPath: indexPath)
        try index.update()
        return try #require(index.files.first?.tags.first { $0.name == tag }?.firstOffset)
    }
}
