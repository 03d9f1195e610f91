import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The streaming tracker against generated Estimator-style logs whose best
/// is known, against a sort oracle, and fed from a growing file.
@Suite("BestTracker and EvalLogFollower")
struct BestTrackerTests {
    @Test("the newest evaluation's place follows the file it was read from, as events of two files interleave")
    func newestAcrossFiles() throws {
        let scratch = TemporaryDirectory("newest")
        let paths = [scratch.join("a.tfevents"), scratch.join("b.tfevents")]
        for (seed, path) in zip([UInt64(7), 8], paths) {
            _ = try EvalLogGenerator.writeFile(path: path, seed: seed, limit: .events(300))
        }
        var tracker = BestTracker(comparison: .lossSmaller, options: .init(trackNewest: true))
        var first = try EventFileReader(path: paths[0]), second = try EventFileReader(path: paths[1])
        var indexes = [0, 0]
        var expected: (path: String, eventIndex: Int, step: Int64)?
        /// Observes the next event of file `file`; false at its end.
        func observeNext(_ reader: inout EventFileReader, file: Int) throws -> Bool {
            guard let event = try reader.next() else { return false }
            defer { indexes[file] += 1 }
            var values = event.summaryValues()
            var hasLoss = false
            while !hasLoss, let value = try values.next() {
                hasLoss = try value.tag == "loss" && value.scalar() != nil
            }
            _ = try tracker.observe(event, path: paths[file], eventIndex: indexes[file])
            if hasLoss { expected = (paths[file], indexes[file], event.step) }
            return true
        }
        // Runs of 1 to 5 events from one file, then from the other.
        var rng = SplitMix64(seed: 3)
        var file = 0, open = [true, true]
        while open[0] || open[1] {
            if !open[file] { file = 1 - file }
            for _ in 0 ..< 1 + rng.nextInt(below: 5) where open[file] {
                open[file] = file == 0 ? try observeNext(&first, file: 0) : try observeNext(&second, file: 1)
            }
            file = 1 - file
        }
        let newest = try #require(tracker.newest)
        let want = try #require(expected)
        #expect(newest.source?.path == want.path && newest.source?.eventIndex == want.eventIndex && newest.globalStep == want.step)
    }

    @Test("generated logs: the generator's best loss, first on ties; skipped counts", arguments: [
        (UInt64(1), EvalLogGenerator.Encoding.simpleValue), (2, .simpleValue), (3, .tf2Tensor), (4, .mixed), (5, .mixed),
    ])
    func generatedLogs(seed: UInt64, encoding: EvalLogGenerator.Encoding) throws {
        let scratch = TemporaryDirectory("tracker")
        let path = scratch.join("eval/events.out.tfevents.1600000000.synthetic")
        try FileOperations.makeDirectories(scratch.join("eval"))
        let report = try EvalLogGenerator.writeFile(path: path, seed: seed, encoding: encoding, limit: .events(4000))
        let result = try EvalRecovery.recover(modelDirectory: scratch.path, options: .init(trackNewest: true))
        let expected = try #require(report.bestLoss)
        #expect(result.best?.globalStep == expected.step)
        #expect(result.best?.source?.eventIndex == expected.eventIndex)
        #expect(result.best?.metrics["loss"] == Double(expected.value))
        #expect(result.best?.source?.wallTime == expected.wallTime)
        #expect(result.statistics.evaluations == report.statistics.events - 1)
        #expect(result.statistics.skippedMissingMetric == report.statistics.events - 1 - report.statistics.lossPoints)

        let oracle = try oracleEvaluations(files: [path])
        #expect(sameMetrics(result.best?.metrics, oracleBest(oracle, metric: "loss", higherIsBetter: false)?.metrics))
        let newest = try #require(oracle.last { $0.metrics["loss"] != nil })
        #expect(result.newest?.globalStep == newest.step)
        #expect(sameMetrics(result.newest?.metrics, newest.metrics))

        // TensorFlow reads simple_value only.
        let simpleOnly = try EvalRecovery.recover(modelDirectory: scratch.path, options: .init(includeTensorScalars: false))
        let simpleOracle = try oracleEvaluations(files: [path], includeTensors: false)
        #expect(simpleOnly.statistics.evaluations == simpleOracle.count)
        #expect(sameMetrics(simpleOnly.best?.metrics, oracleBest(simpleOracle, metric: "loss", higherIsBetter: false)?.metrics))
        if encoding == .tf2Tensor { #expect(simpleOnly.best == nil) }

        // A custom comparison and larger(): the same answers as the oracle.
        let custom = try EvalRecovery.recover(modelDirectory: scratch.path, comparison: .custom("auc larger", requiring: ["auc"]) {
            $0.current["auc"]! > $0.best["auc"]!
        })
        let larger = try EvalRecovery.recover(modelDirectory: scratch.path, comparison: .larger("auc"))
        let aucOracle = oracleBest(oracle, metric: "auc", higherIsBetter: true)
        #expect(custom.best?.source?.eventIndex == aucOracle?.eventIndex)
        #expect(larger.best?.source?.eventIndex == aucOracle?.eventIndex)
        #expect(custom.statistics.skippedMissingMetric == larger.statistics.skippedMissingMetric)
    }

    @Test("fed from a log directory index: the same best")
    func fromIndex() throws {
        let scratch = TemporaryDirectory("index")
        try FileOperations.makeDirectories(scratch.join("eval"))
        let report = try EvalLogGenerator.writeFile(path: scratch.join("eval/events.out.tfevents.1600000000.synthetic"),
                                                    seed: 9, limit: .events(500))
        let index = try LogdirIndex(logdir: scratch.path, indexPath: scratch.join("index.tfidx"))
        _ = try index.update()
        var tracker = BestTracker()
        var failure: (any Error)?
        try index.forEachEvaluation(run: "eval") { evaluation in
            do { try tracker.observe(evaluation, directory: scratch.path) } catch { failure = error }
        }
        #expect(failure == nil)
        #expect(tracker.best?.globalStep == report.bestLoss?.step)
        #expect(tracker.best?.source?.recordOffset != nil)
    }

    @Test("following a growing file: truncated tails are pending, new files are picked up, rewritten files re-read")
    func follower() throws {
        let scratch = TemporaryDirectory("follow")
        try FileOperations.makeDirectories(scratch.join("eval"))
        let first = scratch.join("eval/events.out.tfevents.1600000000.a")
        var encoder = EventEncoder()
        func record(_ step: Int64, _ loss: Float) -> [UInt8] {
            encoder.encode(.scalars(wallTime: 1_600_000_000 + Double(step), step: step, [("loss", loss)], style: .simpleValue))
            return RecordWriter.framed(encoder.bytes)
        }
        var bytes = RecordWriter.framed(EventEncoder.encoded(.fileVersion(wallTime: 1_600_000_000)))
        bytes += record(1, 0.5) + record(2, 0.4)
        let third = record(3, 0.1)
        try writeFile(first, bytes + third.prefix(10))  // a header cut short

        var follower = EvalLogFollower(modelDirectory: scratch.path)
        var poll = try follower.poll()
        #expect(poll.newEvaluations == 2 && poll.bestChanged && poll.issues.isEmpty)
        #expect(follower.best?.globalStep == 2)
        #expect(follower.files.first?.pendingBytes == 10)
        #expect(try follower.poll().newEvaluations == 0)

        try writeFile(first, bytes + third)  // the record completes (same inode? no: rewritten, larger)
        poll = try follower.poll()
        #expect(follower.best?.globalStep == 3)
        #expect(follower.best?.source?.eventIndex == 3)

        // A second file (the job restarted).
        try writeFile(scratch.join("eval/events.out.tfevents.1600000100.b"),
                      RecordWriter.framed(EventEncoder.encoded(.fileVersion(wallTime: 1_600_000_100))) + record(4, 0.05))
        poll = try follower.poll()
        #expect(poll.newEvaluations == 1 && poll.bestChanged)
        #expect(follower.best?.globalStep == 4)
        #expect(follower.newest?.globalStep == 4)
        #expect(follower.files.count == 2)
        // Nothing new: nothing read.
        poll = try follower.poll()
        #expect(poll.newEvaluations == 0 && !poll.bestChanged)
    }

    @Test("appending in place resumes at the last record boundary")
    func appendInPlace() throws {
        let scratch = TemporaryDirectory("append")
        try FileOperations.makeDirectories(scratch.join("eval"))
        let path = scratch.join("eval/events.out.tfevents.1600000000.a")
        let writer = try RecordWriter(path: path)
        var encoder = EventEncoder()
        encoder.encode(.fileVersion(wallTime: 1_600_000_000))
        try writer.write(encoder.bytes)
        var follower = EvalLogFollower(modelDirectory: scratch.path, comparison: .larger("accuracy"))
        var seen = 0
        for step in Int64(1) ... 50 {
            encoder.encode(.scalars(wallTime: 1_600_000_000 + Double(step), step: step,
                                    [("accuracy", Float(step % 7) / 7)], style: .tf2Tensor))
            try writer.write(encoder.bytes)
            if step % 5 == 0 {
                try writer.flush()
                seen += try follower.poll().newEvaluations
                #expect(follower.files.first?.eventCount == Int(step) + 1)
            }
        }
        try writer.close()
        #expect(seen == 50)
        #expect(follower.best?.globalStep == 6)  // 6/7, the first of the best
    }
}
