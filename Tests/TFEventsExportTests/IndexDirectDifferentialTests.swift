import Foundation
import Testing
@testable import TFEventsSystem
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport

/// The index and the direct reading of the files answer "which evaluation is
/// best" by one rule (``MetricGoal``): on logs made to tell them apart, they
/// give the same evaluation, bit for bit, and the same counts.
@Suite("Best evaluation: the index agrees with reading the files")
struct IndexDirectDifferentialTests {
    static let comparisons: [MetricComparison] = [.lossSmaller, .larger("accuracy"), .smaller("aux"), .larger("loss"),
                                                  .smaller("missing")]

    /// Both answers for `model` under `comparison`.
    static func answers(_ model: String, _ comparison: MetricComparison, indexPath: String) throws
        -> (direct: EvalRecovery.Result, indexed: EvalRecovery.Result) {
        let direct = try EvalRecovery.recover(modelDirectory: model, comparison: comparison)
        let indexed = try #require(try EvalRecovery.recoverThroughIndex(modelDirectory: model, comparison: comparison,
                                                                          indexPath: indexPath)?.0)
        return (direct, indexed)
    }

    static func expectSame(_ direct: EvalRecovery.Result, _ indexed: EvalRecovery.Result, _ context: String) {
        #expect(direct.best?.globalStep == indexed.best?.globalStep, "\(context): step")
        #expect(direct.best?.metrics.mapValues(\.bitPattern) == indexed.best?.metrics.mapValues(\.bitPattern),
                "\(context): metrics")
        #expect(direct.best?.source?.path == indexed.best?.source?.path, "\(context): file")
        #expect(direct.best?.source?.recordOffset == indexed.best?.source?.recordOffset, "\(context): offset")
        #expect(direct.statistics.evaluations == indexed.statistics.evaluations, "\(context): evaluations")
        #expect(direct.statistics.skippedMissingMetric == indexed.statistics.skippedMissingMetric, "\(context): missing")
        #expect(direct.statistics.skippedNaN == indexed.statistics.skippedNaN, "\(context): NaN")
        #expect(direct.statistics.malformedValues == indexed.statistics.malformedValues, "\(context): malformed")
    }

    @Test("random logs with duplicate tags, NaN, ±Inf, ties, malformed values and damaged summaries",
          arguments: 0 ..< 40)
    func randomLogs(seed: Int) throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        var random = SplitMix64(seed: UInt64(seed) &+ 1000)
        let names = CraftedEvalLogs.fileNames.shuffled(using: &random).prefix(1 + random.nextInt(below: 4))
        var step: Int64 = 0
        for name in names {
            let events = CraftedEvalLogs.randomEvents(count: 3 + random.nextInt(below: 25), firstStep: step,
                                                      random: &random)
            step = random.nextInt(below: 3) == 0 ? 0 : (events.last?.step ?? step)  // sometimes a restart
            try CraftedEvalLogs.write(events, to: model + "/eval/" + name)
        }
        for (index, comparison) in Self.comparisons.enumerated() {
            let (direct, indexed) = try Self.answers(model, comparison, indexPath: scratch.path + "/index-\(index)")
            Self.expectSame(direct, indexed, "seed \(seed), \(comparison)")
        }
    }

    @Test("a tag twice in one event: its last value is the event's, in every path")
    func duplicateTag() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        try CraftedEvalLogs.write([
            .init(step: 1, values: [.simple("loss", 1.0), .simple("loss", 5.0)]),
            .init(step: 2, values: [.simple("loss", 3.0)]),
        ], to: model + "/eval/events.out.tfevents.1700000000.host")
        let (direct, indexed) = try Self.answers(model, .lossSmaller, indexPath: scratch.path + "/index")
        Self.expectSame(direct, indexed, "duplicate tag")
        #expect(direct.best?.globalStep == 2)
        #expect(direct.best?.metrics["loss"] == 3.0)
    }

    @Test("a malformed value drops only itself; a damaged summary drops its event")
    func malformedAndDamaged() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        try CraftedEvalLogs.write([
            .init(step: 1, values: [.malformedTensor("accuracy"), .simple("loss", 0.5)]),
            .init(step: 2, values: [.simple("loss", 0.1)], damagedSummary: true),
            .init(step: 3, values: [.simple("loss", 0.4), .malformedTensor("loss")]),
        ], to: model + "/eval/events.out.tfevents.1700000000.host")
        let (direct, indexed) = try Self.answers(model, .lossSmaller, indexPath: scratch.path + "/index")
        Self.expectSame(direct, indexed, "malformed")
        #expect(direct.best?.globalStep == 3)
        #expect(direct.best?.metrics["loss"] == Double(Float(0.4)))
        #expect(direct.statistics.malformedValues == 2)
        #expect(direct.statistics.evaluations == 2)
    }

    @Test("files in the byte order of their names: the first of two equal bests wins in both paths")
    func byteOrderTie() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        // "e\u{301}" and "\u{E9}" are equal Strings; as bytes 65 CC 81 < C3 A9.
        try CraftedEvalLogs.write([.init(step: 7, values: [.simple("loss", 0.5)])],
                                  to: model + "/eval/events.out.tfevents.1700000000.h\u{00E9}st")
        try CraftedEvalLogs.write([.init(step: 9, values: [.simple("loss", 0.5)])],
                                  to: model + "/eval/events.out.tfevents.1700000000.he\u{0301}st")
        let (direct, indexed) = try Self.answers(model, .lossSmaller, indexPath: scratch.path + "/index")
        Self.expectSame(direct, indexed, "byte order")
        #expect(direct.best?.globalStep == 9)
    }
}
