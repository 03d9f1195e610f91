import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// A simulated training loop (real event encoder and record writer, fake
/// checkpoints) driving the exporters.
@Suite("Exporters in a simulated training loop")
struct ExportSimulationTests {
    static func exporter(_ clock: FakeClock, comparison: MetricComparison = .lossSmaller, keep: Int? = 5,
                         pattern: String? = EvalRecovery.defaultPattern,
                         configure: (inout BestExporter.Options) -> Void = { _ in }) throws -> BestExporter {
        var options = BestExporter.Options()
        options.clock = clock
        configure(&options)
        return try BestExporter(eventFilePattern: pattern, comparison: comparison, exportsToKeep: keep, options: options)
    }

    @Test("each decision: export exactly when strictly better than every earlier evaluation")
    func everyDecision() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var exporter = try Self.exporter(clock, keep: nil)
        let exportPath = training.model.exportPath(for: exporter.name)
        let losses: [Float] = [0.9, 0.7, 0.7, 0.8, 0.5, .nan, 0.5, 0.2, 0.3, 0.19999999]
        var best = Float.infinity
        for (index, loss) in losses.enumerated() {
            let step = Int64(index + 1) * 100
            let result = try training.evaluate(step: step, ["loss": loss, "accuracy": 1 - loss])
            let outcome = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: result)
            let shouldExport = loss < best  // NaN < x is false
            #expect(outcome.exported == shouldExport, "step \(step) loss \(loss): \(outcome)")
            if loss.isNaN {
                guard case .nanMetric("loss") = outcome.reason else { Issue.record("\(outcome.reason)"); continue }
            }
            if shouldExport {
                best = loss
                #expect(outcome.checkpoint?.globalStep == step)
                #expect(exporter.best?.globalStep == step)
            }
        }
        #expect(exportVersions(exportPath).count == 5)  // 0.9, 0.7, 0.5, 0.2, 0.19999999
        #expect(exporter.lastRecovery?.statistics.evaluations == 1)  // read once, at the first call
    }

    @Test("garbage collection keeps the newest N, or the best N; nothing else is touched")
    func garbageCollection() throws {
        for keepBest in [false, true] {
            let scratch = TemporaryDirectory()
            let clock = FakeClock()
            let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
            var latest = try LatestExporter(name: "latest", exportsToKeep: 2, options: {
                var options = LatestExporter.Options()
                options.clock = clock
                if keepBest { options.keepBest = .lossSmaller }
                return options
            }())
            let exportPath = training.model.exportPath(for: latest.name)
            // Things that are not exports, which must survive.
            try FileOperations.makeDirectories(exportPath + "/temp-1600000000")
            try FileOperations.makeDirectories(exportPath + "/123456789")
            try FileOperations.makeDirectories(exportPath + "/12345678901")
            try writeFile(exportPath + "/notes.txt", "keep me")
            let losses: [Float] = [0.5, 0.2, 0.4, 0.3, 0.6]
            var directories: [String] = []
            for (index, loss) in losses.enumerated() {
                let result = try training.evaluate(step: Int64(index + 1) * 10, ["loss": loss])
                let outcome = try latest.considerExport(model: training.model, exportPath: exportPath, evalResult: result)
                directories.append(FilePaths.basename(try #require(outcome.exportDirectory)))
            }
            // keep-best: the two best are losses 0.2 (index 1) and 0.3 (index 3), but
            // the export just made (index 4) is never deleted by its own collection.
            let kept = keepBest ? [directories[1], directories[4]] : Array(directories.suffix(2))
            #expect(exportVersions(exportPath) == kept)
            #expect(listing(exportPath).contains("temp-1600000000"))
            #expect(listing(exportPath).contains("123456789"))
            #expect(listing(exportPath).contains("12345678901"))
            #expect(listing(exportPath).contains("notes.txt"))
        }
    }

    @Test("keep-best with BestExporter keeps the best N exports")
    func keepBestWithBestExporter() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var exporter = try Self.exporter(clock, comparison: .larger("auc"), keep: 2) { $0.retention = .best }
        let exportPath = training.model.exportPath(for: exporter.name)
        for (index, auc) in [Float(0.6), 0.7, 0.65, 0.8, 0.9].enumerated() {
            let result = try training.evaluate(step: Int64(index + 1), ["auc": auc, "loss": 1])
            _ = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: result)
        }
        let steps = try exportVersions(exportPath).map {
            try #require(try ExportManifest.read(exportDirectory: FilePaths.join(exportPath, $0))).evalResult.globalStep
        }
        #expect(steps == [4, 5])
    }

    @Test("restart: no worse export while an export of the best survives; TensorFlow's rule exports the worse one")
    func restart() throws {
        for policy in [BestExporter.RestartPolicy.safe, .tensorFlow] {
            let scratch = TemporaryDirectory()
            let clock = FakeClock()
            let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
            var exporter = try Self.exporter(clock) { $0.restartPolicy = policy }
            let exportPath = training.model.exportPath(for: exporter.name)
            for (step, loss) in [(Int64(100), Float(0.5)), (200, 0.3), (300, 0.4)] {
                let result = try training.evaluate(step: step, ["loss": loss])
                _ = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: result)
            }
            #expect(exportVersions(exportPath).count == 2)

            // The job is preempted and restarts: a new process, a new exporter, a new event file.
            try training.restart()
            var restarted = try Self.exporter(clock) { $0.restartPolicy = policy }
            let worse = try training.evaluate(step: 400, ["loss": 0.35])
            let outcome = try restarted.considerExport(model: training.model, exportPath: exportPath, evalResult: worse)
            switch policy {
            case .safe:
                #expect(!outcome.exported)
                guard case let .worseThanRecovered(best, surviving, certain) = outcome.reason else {
                    Issue.record("\(outcome)")
                    continue
                }
                #expect(best.globalStep == 200 && certain)
                #expect(try ExportManifest.read(exportDirectory: surviving)?.evalResult.globalStep == 200)
                #expect(restarted.best?.globalStep == 200)
            case .tensorFlow:
                // tensorflow/tensorflow#47396: the worse model becomes the newest export.
                #expect(outcome.exported)
                #expect(restarted.best?.globalStep == 400)
            }
            // A better evaluation is exported under both rules.
            let better = try training.evaluate(step: 500, ["loss": 0.25])
            let next = try restarted.considerExport(model: training.model, exportPath: exportPath, evalResult: better)
            #expect(next.exported)
            // After the first decision, ties do not export (0.25 again).
            let tie = try training.evaluate(step: 600, ["loss": 0.25])
            #expect(!(try restarted.considerExport(model: training.model, exportPath: exportPath, evalResult: tie)).exported)
        }
    }

    @Test("restart: the evaluation being considered is the best on disk (the exporter died before exporting it)")
    func restartWhenCurrentIsTheBest() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var exporter = try Self.exporter(clock)
        let exportPath = training.model.exportPath(for: exporter.name)
        _ = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                        evalResult: try training.evaluate(step: 1, ["loss": 0.5]))
        // Evaluated, written to the event file, then the process died.
        try training.restart()
        let current = try training.evaluate(step: 2, ["loss": 0.25])
        var restarted = try Self.exporter(clock)
        let outcome = try restarted.considerExport(model: training.model, exportPath: exportPath, evalResult: current)
        #expect(outcome.exported)
        guard case .atLeastAsGoodAsRecovered(let best) = outcome.reason else { Issue.record("\(outcome)"); return }
        #expect(best.globalStep == 2)
    }

    @Test("restart: no export of the best survives; its checkpoint is exported, or the current one when it is gone too")
    func restartWithLostExports() throws {
        for checkpointSurvives in [true, false] {
            let scratch = TemporaryDirectory()
            let clock = FakeClock()
            let training = SimulatedTraining(modelDirectory: scratch.path, keepCheckpoints: checkpointSurvives ? 10 : 2,
                                             clock: clock)
            var exporter = try Self.exporter(clock)
            let exportPath = training.model.exportPath(for: exporter.name)
            for (step, loss) in [(Int64(1), Float(0.5)), (2, 0.2), (3, 0.4)] {
                _ = try exporter.considerExport(model: training.model, exportPath: exportPath,
                                                evalResult: try training.evaluate(step: step, ["loss": loss]))
            }
            // Someone cleans the export directory.
            try FileOperations.removeTree(exportPath)
            try training.restart()
            let current = try training.evaluate(step: 4, ["loss": 0.3])
            var restarted = try Self.exporter(clock)
            let outcome = try restarted.considerExport(model: training.model, exportPath: exportPath, evalResult: current)
            #expect(outcome.exported)
            let directory = try #require(outcome.exportDirectory)
            let manifest = try #require(try ExportManifest.read(exportDirectory: directory))
            if checkpointSurvives {
                guard case .restoredMissingBest(let considered) = outcome.reason else { Issue.record("\(outcome)"); continue }
                #expect(considered.globalStep == 4)
                #expect(manifest.evalResult.globalStep == 2)
                #expect(manifest.evalResult.source != nil)  // the recovered result, read from the event file
                #expect(restarted.best?.globalStep == 2)
            } else {
                guard case .bestLost(let best) = outcome.reason else { Issue.record("\(outcome)"); continue }
                #expect(best.globalStep == 2)
                #expect(manifest.evalResult.globalStep == 4)
            }
        }
    }

    @Test("named evaluations: eval_<name>/ is read with its pattern; the default pattern would miss it")
    func namedEvaluation() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, evalName: "holdout", clock: clock)
        for (step, loss) in [(Int64(1), Float(0.5)), (2, 0.2), (3, 0.4)] {
            try training.evaluate(step: step, ["loss": loss])
        }
        #expect(EvalRecovery.pattern(evalName: "holdout") == "eval_holdout/*.tfevents.*")
        #expect(EvalRecovery.pattern(evalName: nil) == "eval/*.tfevents.*")
        let named = try EvalRecovery.recover(modelDirectory: scratch.path, pattern: EvalRecovery.pattern(evalName: "holdout"))
        #expect(named.best?.globalStep == 2)
        let missed = try EvalRecovery.recover(modelDirectory: scratch.path)
        #expect(missed.best == nil && missed.files.isEmpty)

        let current = try training.evaluate(step: 4, ["loss": 0.3])
        var exporter = try Self.exporter(clock, pattern: EvalRecovery.pattern(evalName: "holdout"))
        let exportPath = training.model.exportPath(for: exporter.name)
        // Nothing exported yet and the best's checkpoint (step 2) exists: it is restored.
        let outcome = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: current)
        #expect(outcome.evalResult.globalStep == 2)
    }

    @Test("missing metrics: summaries without the metric are skipped and counted; strict mode raises as TensorFlow does")
    func missingMetrics() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        // OpenNMT-tf#329: BLEU written into eval/ by another tool, first.
        try training.writeExtraSummary(step: 0, ["bleu": 12.5])
        try training.evaluate(step: 1, ["loss": 0.5])
        try training.writeExtraSummary(step: 1, ["bleu": 20])
        try training.evaluate(step: 2, ["loss": 0.4])

        let recovery = try EvalRecovery.recover(modelDirectory: scratch.path)
        #expect(recovery.best?.globalStep == 2)
        #expect(recovery.statistics.skippedMissingMetric == 2)
        #expect(recovery.statistics.evaluations == 4)

        // TensorFlow: the BLEU summary becomes the best unseen, the next comparison raises.
        #expect {
            try EvalRecovery.recover(modelDirectory: scratch.path, options: .tensorFlow)
        } throws: { error in
            (error as? ExportError)?.comparisonError?.description
                == "best_eval_result cannot be empty or no loss is found in it."
        }

        // A live result without the metric: skipped, or raised in strict mode.
        var exporter = try Self.exporter(clock)
        let exportPath = training.model.exportPath(for: exporter.name)
        let noLoss = EvalResult(globalStep: 3, metrics: ["accuracy": 0.9])
        let outcome = try exporter.considerExport(model: training.model, exportPath: exportPath, evalResult: noLoss)
        guard case .missingMetric("loss") = outcome.reason else { Issue.record("\(outcome)"); return }
        var strict = try Self.exporter(clock, pattern: nil) { $0.strict = true }
        _ = try strict.considerExport(model: training.model, exportPath: exportPath,
                                      evalResult: EvalResult(globalStep: 2, metrics: ["loss": 0.4]))
        #expect {
            _ = try strict.considerExport(model: training.model, exportPath: exportPath, evalResult: noLoss)
        } throws: { error in
            (error as? ExportError)?.comparisonError?.description
                == "current_eval_result cannot be empty or no loss is found in it."
        }
    }

    @Test("TF2 tensor scalars count, unless TensorFlow's behaviour is asked for")
    func tensorScalars() throws {
        let scratch = TemporaryDirectory()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: FakeClock())
        try training.evaluate(step: 1, ["loss": 0.5], style: .tf2Tensor)
        try training.evaluate(step: 2, ["loss": 0.25], style: .floatValueTensor)
        try training.evaluate(step: 3, ["loss": 0.75], style: .simpleValue)
        #expect(try EvalRecovery.recover(modelDirectory: scratch.path).best?.globalStep == 2)
        #expect(try EvalRecovery.recover(modelDirectory: scratch.path, options: .init(includeTensorScalars: false))
                .best?.globalStep == 3)
    }

    @Test("FinalExporter exports the final evaluation only; LatestExporter every one")
    func finalAndLatest() throws {
        let scratch = TemporaryDirectory()
        let clock = FakeClock()
        let training = SimulatedTraining(modelDirectory: scratch.path, clock: clock)
        var final = try FinalExporter(name: "final", clock: clock)
        let latest = try LatestExporter(name: "latest", exportsToKeep: nil, options: {
            var options = LatestExporter.Options()
            options.clock = clock
            return options
        }())
        var exporters: [any Exporter] = [final, latest]
        for step in Int64(1) ... 4 {
            let result = try training.evaluate(step: step, ["loss": 1 / Float(step)])
            for index in exporters.indices {
                let path = training.model.exportPath(for: exporters[index].name)
                _ = try exporters[index].export(model: training.model, exportPath: path, checkpointPath: nil,
                                                evalResult: result, isFinalExport: step == 4)
            }
        }
        #expect(exportVersions(training.model.exportPath(for: "final")).count == 1)
        #expect(exportVersions(training.model.exportPath(for: "latest")).count == 4)
        let outcome = try final.considerExport(model: training.model, exportPath: training.model.exportPath(for: "final"),
                                               evalResult: EvalResult(globalStep: 4, metrics: [:]), isFinalExport: false)
        guard case .notFinal = outcome.reason else { Issue.record("\(outcome)"); return }
    }
}
