import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Replays the real `tf.estimator` runs of `Fixtures/estimator/`: the same
/// evaluations, in the same order, with the eval event file growing as it
/// did, and the clock at each evaluation's time. Our BestExporter makes
/// the decision the real BestExporter made on every call, exports into
/// directories of the same names, and garbage collection leaves the same
/// ones.
@Suite("BestExporter replays the real estimator runs")
struct EstimatorReplayTests {
    struct Call {
        var globalStep: Int64
        var evalResult: [String: Double]
        var checkpointPath: String
        var isFinal: Bool
        var loadedFromEventFiles: Bool
        var bestBefore: [String: Double]?
        var exported: Bool
        var exportDirectory: String?
    }

    static func calls(run: String) throws -> [Call] {
        let expected = try FixtureLibrary.expected("estimator")
        let entry = (expected["runs"] as? [String: Any])?[run] as? [String: Any] ?? [:]
        let sessions = entry["sessions"] as? [Any] ?? []
        #expect(sessions.count == 1)
        return ((sessions.first as? [String: Any])?["calls"] as? [Any] ?? []).compactMap { item in
            guard let call = item as? [String: Any] else { return nil }
            return Call(globalStep: call["global_step"] as? Int64 ?? -1,
                        evalResult: expectedMetrics(call["eval_result"]) ?? [:],
                        checkpointPath: call["checkpoint_path"] as? String ?? "",
                        isFinal: call["is_the_final_export"] as? Bool ?? false,
                        loadedFromEventFiles: call["loaded_best_from_event_files_this_call"] as? Bool ?? false,
                        bestBefore: expectedMetrics(call["best_before_call"]),
                        exported: call["exported"] as? Bool ?? false,
                        exportDirectory: call["export_dir"] as? String)
        }
    }

    static func surviving(run: String) throws -> [(String, Int64)] {
        let expected = try FixtureLibrary.expected("estimator")
        let entry = (expected["runs"] as? [String: Any])?[run] as? [String: Any] ?? [:]
        let list = (entry["exports_surviving"] as? [String: Any])?["best_exporter"] as? [Any] ?? []
        return list.compactMap { item in
            guard let export = item as? [String: Any], let name = export["timestamp_dir"] as? String,
                  let step = export["global_step_in_savedmodel"] as? Int64 else { return nil }
            return (name, step)
        }
    }

    /// The real eval file's records, and for each step the end offset of
    /// its last event and the whole seconds of its summary's wall time.
    static func evalFile(run: String) throws -> (bytes: [UInt8], ends: [Int64: Int], seconds: [Int64: Int64], name: String) {
        let directory = FixtureLibrary.path("estimator/\(run)/eval")
        let name = listing(directory).first { $0.contains("tfevents") }!
        let path = FilePaths.join(directory, name)
        var reader = try EventFileReader(path: path)
        var ends: [Int64: Int] = [:]
        var seconds: [Int64: Int64] = [:]
        while let event = try reader.next() {
            ends[event.step] = event.recordOffset + 16 + event.payloadLength
            if event.kind == .summary, seconds[event.step] == nil { seconds[event.step] = Int64(event.wallTime) }
        }
        return (try FileOperations.readFile(path), ends, seconds, name)
    }

    static let runs: [(String, MetricComparison)] = [
        ("loss_best", .lossSmaller),
        ("accuracy_best", .larger("accuracy")),
        ("accuracy_best", .custom("accuracy higher") { $0.current["accuracy"]! > $0.best["accuracy"]! }),
    ]

    @Test("every call: same decision, same directory, same best before the call; same survivors",
          arguments: [0, 1, 2], [false, true])
    func replay(runIndex: Int, tensorFlowOptions: Bool) throws {
        let (run, comparison) = Self.runs[runIndex]
        let calls = try Self.calls(run: run)
        #expect(calls.count == 10)
        let file = try Self.evalFile(run: run)
        let scratch = TemporaryDirectory("replay")
        let model = ModelDirectory(scratch.path)
        let evalPath = scratch.join("eval/" + file.name)
        let clock = FakeClock()
        var options = tensorFlowOptions ? BestExporter.Options.tensorFlow : BestExporter.Options()
        options.clock = clock
        var exporter = try BestExporter(comparison: comparison, exportsToKeep: 3, options: options)
        let exportPath = model.exportPath(for: exporter.name)
        #expect(exportPath == scratch.join("export/best_exporter"))

        var recoveredOffset: Int?
        for call in calls {
            // The training loop: checkpoint, evaluation written, then exporters.
            try writeFakeCheckpoint(modelDirectory: scratch.path, step: call.globalStep, keep: 3)
            let end = try #require(file.ends[call.globalStep])
            try writeFile(evalPath, Array(file.bytes[0 ..< end]))
            clock.now = try #require(file.seconds[call.globalStep])

            #expect(sameMetrics(exporter.best?.metrics, call.bestBefore), "step \(call.globalStep): best before")
            let outcome = try exporter.considerExport(
                model: model, exportPath: exportPath, checkpoint: .path(call.checkpointPath),
                evalResult: EvalResult(globalStep: call.globalStep, metrics: call.evalResult),
                isFinalExport: call.isFinal)

            // Event files are read on the first call only.
            let offset = exporter.lastRecovery?.files.first?.offset
            if call.loadedFromEventFiles {
                #expect(recoveredOffset == nil && offset == end)
                recoveredOffset = offset
            } else {
                #expect(offset == recoveredOffset)
            }
            #expect(outcome.exported == call.exported, "step \(call.globalStep): \(outcome)")
            #expect(outcome.exportDirectory == call.exportDirectory.map { scratch.join($0) })
            if outcome.exported {
                #expect(outcome.checkpoint?.prefix == scratch.join(call.checkpointPath))
                let manifest = try #require(try ExportManifest.read(exportDirectory: outcome.exportDirectory!))
                #expect(manifest.evalResult.globalStep == call.globalStep)
                #expect(sameMetrics(manifest.evalResult.metrics, call.evalResult))
                #expect(try readText(outcome.exportDirectory! + "/variables/variables.index")
                        == "index of step \(call.globalStep)\n")
            }
        }
        let survivors = try Self.surviving(run: run)
        #expect(exportVersions(exportPath) == survivors.map(\.0))
        for (name, step) in survivors {
            let manifest = try #require(try ExportManifest.read(exportDirectory: FilePaths.join(exportPath, name)))
            #expect(manifest.evalResult.globalStep == step)
        }
        // Nothing else was left in the export directory: no temp-* directory.
        #expect(listing(exportPath) == survivors.map(\.0))
    }

    @Test("the fixtures' own exports: the restart rule recognises the real BestExporter's survivors")
    func realExportDirectories() throws {
        // The real model directories end with the best at step 225 (loss) or
        // 75 (accuracy). A fresh exporter considering the last evaluation
        // (step 250, worse) must not export: TensorFlow's exports have no
        // manifest, but the global_step saved in their variables shows which
        // one holds the best.
        for (run, comparison, bestStep) in [("loss_best", MetricComparison.lossSmaller, Int64(225)),
                                            ("accuracy_best", .larger("accuracy"), 75)] {
            let source = FixtureLibrary.path("estimator/\(run)")
            let scratch = TemporaryDirectory("real")
            try FileOperations.copyTree(source, to: scratch.join("model"))
            let model = ModelDirectory(scratch.join("model"))
            let recovery = try EvalRecovery.recover(modelDirectory: model.path, comparison: comparison,
                                                    options: BestTracker.Options(trackNewest: true))
            #expect(recovery.best?.globalStep == bestStep)
            let newest = try #require(recovery.newest)
            #expect(newest.globalStep == 250)
            var exporter = try BestExporter(comparison: comparison, options: {
                var options = BestExporter.Options()
                options.clock = FakeClock()
                return options
            }())
            exporter.prime(modelDirectory: model, recovery: recovery)
            let outcome = try exporter.considerExport(model: model, exportPath: model.exportPath(for: "best_exporter"),
                                                      evalResult: newest)
            #expect(!outcome.exported)
            guard case let .worseThanRecovered(best, survivor, certain) = outcome.reason else {
                Issue.record("unexpected \(outcome)")
                continue
            }
            #expect(best.globalStep == bestStep)
            #expect(certain, "\(outcome)")
            #expect(SavedModelStep.read(exportDirectory: survivor) == bestStep, "\(survivor)")
        }
    }
}
