// The best-model tracker's hot path, as `tfevents best --no-index` takes it:
// EvalRecovery.recover(modelDirectory:) on a model directory whose eval/
// holds one generated evaluation log, with the default comparison (smallest
// `loss`). The records of each buffer are read, decoded and scanned for the
// metric in one loop (EventFileReader.forEachBufferedScan, the metric-only
// pass over the values) and handed to BestTracker.observe(_:scanned:...).
//
// Setup writes the log once per process into a temporary model directory
// with EvalLogGenerator (read from the page cache afterwards); teardown
// removes it. Each iteration recovers the best evaluation and checks it
// against the generator's report. "MB/s" is the file size over the wall
// time of one pass. mallocCountTotal counts what a pass allocates: what it
// sets up and returns (the file list, the reader, the result with the
// best's metrics) and the growth of the buffer that keeps a copy of each
// new best's summary, and, since a large file is read in ranges side by
// side, the plan, threads and result of each range. It grows with the
// ranges (the file over 4 per core, at least 32 MiB each: 2 for the 64 MiB
// log, 8 for the 256 MiB one on 2 cores), not with the records, and the
// stored count must be met exactly on a machine with as many cores.

import Benchmark
import Foundation
import TFEvents
import TFEventsSynthetic

let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
let recordsMetric = BenchmarkMetric.custom("records", polarity: .prefersLarger, useScalingFactor: false)

/// The generated model directories, one per log size, created on first use.
final class ModelDirectories: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var logs: [Int: (directory: String, report: EvalLogGenerator.Report)] = [:]

    static let shared = ModelDirectories()

    func model(size: Int) throws -> (directory: String, report: EvalLogGenerator.Report) {
        lock.lock()
        defer { lock.unlock() }
        if let existing = logs[size] { return existing }
        let directory = NSTemporaryDirectory() + "tfevents-tracker-bench-\(getpid())-\(size >> 20)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/eval", withIntermediateDirectories: true)
        let report = try EvalLogGenerator.writeFile(path: directory + "/eval/events.out.tfevents.1600000000.bench",
                                                    seed: 42, encoding: .simpleValue, limit: .bytes(size))
        logs[size] = (directory, report)
        return (directory, report)
    }

    func remove(size: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard let removed = logs.removeValue(forKey: size) else { return }
        try? FileManager.default.removeItem(atPath: removed.directory)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, megabytesPerSecond, recordsMetric],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 30,
        // A fixed number of allocations per pass is part of the contract
        // (exactly the stored count); throughput may not fall more than
        // 50 % below the stored figure (see Benchmarks/README.md).
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0]), megabytesPerSecond: .init(relative: [.p90: 50.0]),
                     .wallClock: .init(relative: [.p90: 50.0])]
    )
    Benchmark.defaultConfiguration.units = [megabytesPerSecond: .count, recordsMetric: .count]

    for size in [64 << 20, 256 << 20] {
        Benchmark("Best-model search (best --no-index) \(size >> 20) MiB eval log") { benchmark in
            guard let (directory, report) = try? ModelDirectories.shared.model(size: size) else {
                benchmark.error("could not generate the log")
                return
            }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let result = try? EvalRecovery.recover(modelDirectory: directory)
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            blackHole(result)
            guard let result, let expected = report.bestLoss else {
                benchmark.error("the recovery failed")
                return
            }
            // Every summary event holds scalars: all but the file_version event are evaluations.
            if result.best?.globalStep != expected.step || result.best?.source?.eventIndex != expected.eventIndex
                || result.statistics.evaluations != report.records - 1 || !result.issues.isEmpty {
                benchmark.error("found step \(result.best?.globalStep ?? -1) in \(result.statistics.evaluations) evaluations, "
                                + "expected step \(expected.step) in \(report.records - 1)")
            }
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            benchmark.measurement(megabytesPerSecond, Int(Double(report.bytes) / nanoseconds * 1000))
            benchmark.measurement(recordsMetric, report.records)
        } setup: {
            _ = try ModelDirectories.shared.model(size: size)
        } teardown: {
            ModelDirectories.shared.remove(size: size)
        }
    }
}
