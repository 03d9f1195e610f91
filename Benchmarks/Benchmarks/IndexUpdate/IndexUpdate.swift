// The incremental index: what a re-scan costs when little or nothing changed.
//
// Setup generates a log directory of 4 runs x 16 MiB evaluation logs and
// builds its index once. "Index update, 1 MiB appended" appends a 1 MiB block
// of records (encoded once in setup) to one file per iteration and measures
// `LogdirIndex.update()`: the appended bytes are read, the rest is skipped,
// new chunks and a manifest are appended to the index file. "Index update,
// nothing changed" measures the stat-only pass. Each iteration checks what
// the update read, so a benchmark that silently re-read everything fails.

import Benchmark
import Foundation
import TFEvents
import TFEventsSynthetic

let appendedMegabytesPerSecond = BenchmarkMetric.custom("appended MB/s", polarity: .prefersLarger,
                                                        useScalingFactor: false)

/// The log directory, its index and the block appended per iteration.
final class IndexedLogdir: @unchecked Sendable {
    // @unchecked: created once in setup, then used by one benchmark at a time.
    let directory: String
    let index: LogdirIndex
    let block: [UInt8]
    let appendTarget: String
    let totalBytes: Int

    static let shared = Result { try IndexedLogdir() }

    private init() throws {
        directory = NSTemporaryDirectory() + "tfevents-index-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        var total = 0
        var firstFile = ""
        for run in 0..<4 {
            let runDirectory = directory + "/run\(run)/eval"
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
            let path = runDirectory + "/events.out.tfevents.1600000000.bench"
            let report = try EvalLogGenerator.writeFile(path: path, seed: UInt64(run + 1),
                                                        encoding: run % 2 == 0 ? .simpleValue : .tf2Tensor,
                                                        limit: .bytes(16 << 20))
            total += report.bytes
            if run == 0 { firstFile = path }
        }
        // The appended block: whole records of another generated log.
        let blockPath = directory + "/block.tfrecord"
        _ = try EvalLogGenerator.writeFile(path: blockPath, seed: 99, encoding: .simpleValue, limit: .bytes(1 << 20))
        block = Array(try Data(contentsOf: URL(fileURLWithPath: blockPath)))
        try FileManager.default.removeItem(atPath: blockPath)
        appendTarget = firstFile
        totalBytes = total
        index = try LogdirIndex(logdir: directory, indexPath: directory + ".tfindex")
        _ = try index.update()
    }

    func append() throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: appendTarget))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: block)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, appendedMegabytesPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 40,
        // The machine is shared and noisy: an update may take 50 % longer
        // than the stored p90 before this fails.
        thresholds: [.wallClock: .init(relative: [.p90: 50.0]), appendedMegabytesPerSecond: .init(relative: [.p90: 50.0]),
                     .mallocCountTotal: .init(relative: [.p90: 50.0])]
    )
    Benchmark.defaultConfiguration.units = [appendedMegabytesPerSecond: .count]

    Benchmark("Index update, 1 MiB appended to a 64 MiB log directory") { benchmark in
        guard let logdir = try? IndexedLogdir.shared.get() else {
            benchmark.error("could not generate and index the log directory")
            return
        }
        do {
            try logdir.append()  // not measured: startMeasurement() restarts the clock
            benchmark.startMeasurement()
            let clock = ContinuousClock()
            let start = clock.now
            let report = try logdir.index.update()
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            if report.bytesRead != logdir.block.count || report.filesRead != 1 || report.filesReadFromStart != 0 {
                benchmark.error("the update read \(report.bytesRead) bytes of \(report.filesRead) files "
                                + "(\(report.filesReadFromStart) from the start); expected \(logdir.block.count) of 1")
            }
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            benchmark.measurement(appendedMegabytesPerSecond, Int(Double(logdir.block.count) / nanoseconds * 1000))
        } catch {
            benchmark.error("update failed: \(error)")
        }
    } setup: {
        _ = try IndexedLogdir.shared.get()
    }

    Benchmark("Index update, nothing changed",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds,
                                   warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 200,
                                   thresholds: [.wallClock: .init(relative: [.p90: 50.0]),
                                                .mallocCountTotal: .init(relative: [.p90: 50.0])])) { benchmark in
        guard let logdir = try? IndexedLogdir.shared.get() else {
            benchmark.error("could not generate and index the log directory")
            return
        }
        do {
            let report = try logdir.index.update()
            if report.bytesRead != 0 || report.writeMode != .unchanged {
                benchmark.error("an update with nothing appended read \(report.bytesRead) bytes "
                                + "and wrote the index (\(report.writeMode))")
            }
        } catch {
            benchmark.error("update failed: \(error)")
        }
    } setup: {
        _ = try IndexedLogdir.shared.get()
    }
}
