import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Recovery through the index must give what reading the files gives.
@Suite("Best evaluation through the index")
struct IndexedRecoveryTests {
    /// Copies a fixture family into a scratch directory (the index is
    /// written under the scratch directory, not into Fixtures/).
    @discardableResult
    static func compare(modelDirectory: String, pattern: String, comparison: MetricComparison,
                        indexPath: String, label: String) throws -> Bool {
        let direct = try EvalRecovery.recover(modelDirectory: modelDirectory, pattern: pattern, comparison: comparison)
        // An answer exists exactly when some file holds a non-NaN value of
        // the metric (an oracle apart from both paths): nil == nil must not
        // pass for a case that has an answer.
        let metric = try #require(comparison.metric)
        var hasValue = false
        for file in EvalRecovery.eventFiles(modelDirectory: modelDirectory, pattern: pattern) {
            _ = FileScanner().scan(path: file) { point in
                if point.tag == metric && !point.scalar.value.isNaN { hasValue = true }
            }
        }
        #expect((direct.best != nil) == hasValue, "\(label): an answer iff the metric has a value")
        for attempt in 0 ..< 2 {  // built, then answered from the stored index
            var options = IndexOptions()
            options.jobs = 2
            let answer = try EvalRecovery.recoverThroughIndex(modelDirectory: modelDirectory, pattern: pattern,
                                                              comparison: comparison, indexOptions: options,
                                                              indexPath: indexPath)
            let (indexed, report) = try #require(answer, "\(label): the index declined")
            if attempt == 1 { #expect(report.bytesRead == 0, "\(label)") }
            #expect(indexed.best?.globalStep == direct.best?.globalStep, "\(label)")
            #expect(indexed.best?.metrics.mapValues(\.bitPattern) == direct.best?.metrics.mapValues(\.bitPattern), "\(label)")
            #expect(indexed.best?.source?.path == direct.best?.source?.path, "\(label)")
            #expect(indexed.best?.source?.recordOffset == direct.best?.source?.recordOffset, "\(label)")
            #expect(indexed.statistics.evaluations == direct.statistics.evaluations, "\(label)")
            #expect(indexed.statistics.skippedMissingMetric == direct.statistics.skippedMissingMetric, "\(label)")
            #expect(indexed.statistics.skippedNaN == direct.statistics.skippedNaN, "\(label)")
        }
        return direct.best != nil
    }

    @Test("every fixture model directory and run, smaller and larger, several metrics")
    func fixtures() throws {
        let scratch = ScratchDirectory()
        let cases: [(String, String)] = [
            ("estimator/loss_best", "eval/*.tfevents.*"), ("estimator/accuracy_best", "eval/*.tfevents.*"),
            ("tf1", "edge/*.tfevents.*"), ("tf1", "edge_no_loss/*.tfevents.*"), ("tf1", "graph_mode/*.tfevents.*"),
            ("tf1", "restart/*.tfevents.*"), ("tf2", "basic/*.tfevents.*"), ("tf2", "multi_file/*"),
            ("tensorboardx", "run1/*.tfevents.*"),
        ]
        var n = 0
        var answered = 0
        for (directory, pattern) in cases {
            for comparison in [MetricComparison.lossSmaller, .larger("accuracy"), .smaller("accuracy"),
                               .larger("special/nonfinite"), .smaller("precise/f64"), .larger("lr")] {
                n += 1
                if try Self.compare(modelDirectory: FixtureLibrary.path(directory), pattern: pattern,
                                    comparison: comparison, indexPath: scratch.path + "/index-\(n)",
                                    label: "\(directory) \(pattern) \(comparison)") {
                    answered += 1
                }
            }
        }
        // Most cases have an answer: the comparison of answers is not vacuous.
        #expect(answered >= cases.count, "only \(answered) of \(n) cases had a best evaluation")
    }

    @Test("generated eval logs with ties, appended between looks")
    func generatedAndAppended() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        try FileManager.default.createDirectory(atPath: model + "/eval", withIntermediateDirectories: true)
        for (index, encoding) in [EvalLogGenerator.Encoding.simpleValue, .tf2Tensor, .mixed].enumerated() {
            _ = try EvalLogGenerator.writeFile(path: model + "/eval/events.out.tfevents.\(1000 + index).host",
                                               seed: UInt64(index + 5), encoding: encoding, limit: .events(3000))
        }
        var options = IndexOptions()
        options.chunkPointLimit = 1000  // many chunks, so the extremes of several are compared
        for comparison in [MetricComparison.lossSmaller, .larger("accuracy"), .smaller("auc")] {
            let direct = try EvalRecovery.recover(modelDirectory: model, comparison: comparison)
            let (indexed, _) = try #require(try EvalRecovery.recoverThroughIndex(
                modelDirectory: model, comparison: comparison, indexOptions: options, indexPath: scratch.path + "/idx"))
            #expect(direct.best != nil, "\(comparison): the generated logs have this metric")
            #expect(indexed.best?.globalStep == direct.best?.globalStep)
            #expect(indexed.best?.metrics.mapValues(\.bitPattern) == direct.best?.metrics.mapValues(\.bitPattern))
            #expect(indexed.statistics.skippedMissingMetric == direct.statistics.skippedMissingMetric)
        }
        // A better evaluation appended later is found, reading only the new bytes.
        let writer = try RecordWriter(path: model + "/eval/events.out.tfevents.1000.host", mode: .append)
        try writer.write(EventEncoder.encoded(.scalars(wallTime: 2e9, step: 999_999, [(tag: "loss", value: 0)],
                                                       style: .simpleValue)))
        try writer.close()
        let (after, report) = try #require(try EvalRecovery.recoverThroughIndex(
            modelDirectory: model, indexOptions: options, indexPath: scratch.path + "/idx"))
        #expect(after.best?.globalStep == 999_999)
        #expect(report.filesRead == 1 && report.filesReadFromStart == 0)
    }

    @Test("custom comparisons, strict mode and absolute patterns are declined")
    func declined() throws {
        let model = FixtureLibrary.path("estimator/loss_best")
        let custom = MetricComparison.custom("always") { _ in true }
        #expect(try EvalRecovery.recoverThroughIndex(modelDirectory: model, comparison: custom, indexPath: "/nonexistent/x") == nil)
        #expect(try EvalRecovery.recoverThroughIndex(modelDirectory: model, options: .init(strict: true),
                                                     indexPath: "/nonexistent/x") == nil)
        #expect(try EvalRecovery.recoverThroughIndex(modelDirectory: model, pattern: model + "/eval/*",
                                                     indexPath: "/nonexistent/x") == nil)
        // A pattern that also matches a file without `tfevents` in its
        // name: the index (which takes only event files) cannot answer.
        let scratch = ScratchDirectory()
        try scratch.copyFixtures("estimator/loss_best")
        let copy = scratch.path + "/loss_best"
        try scratch.write("loss_best/eval/notes.txt", Array("not events".utf8))
        #expect(try EvalRecovery.recoverThroughIndex(modelDirectory: copy, pattern: "eval/*",
                                                     indexPath: scratch.path + "/index") == nil)
        #expect(try EvalRecovery.recoverThroughIndex(modelDirectory: copy, pattern: "eval/*.tfevents.*",
                                                     indexPath: scratch.path + "/index2") != nil)
    }
}
