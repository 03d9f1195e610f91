// Scalar points as the CSV rows of `tfevents scalars`, with ScalarTextRows
// (package-scoped, reached through _TFEventsBenchmarking's
// ScalarRowsWorkload): every point of a generated 16 MiB evaluation log
// (step, wall time, the float32 value widened to a double and written with
// the shortest digits that read back, a tag of 11) under one repeating
// path, into a 256 KiB buffer that is drained into a sink that only counts.
//
// Setup decodes the points once with the public reader. Each iteration
// makes the writer (not measured: it encodes the path and tags and reserves
// the buffer) and writes every row. "points/s" is rows per second of wall
// time.
//
// mallocCountTotal is 0: the rows are written into one owned buffer and
// drained into it again (it was 140,560 per pass before that rewrite, one
// allocation per change of step).

import Benchmark
import Foundation
@_spi(Benchmarking) import _TFEventsBenchmarking
import TFEvents
import TFEventsSynthetic

let pointsPerSecond = BenchmarkMetric.custom("points/s", polarity: .prefersLarger, useScalingFactor: false)
let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// The points of the generated log.
struct ScalarPoints: Sendable {
    static let path = "runs/resnet50-lr0.1/eval/events.out.tfevents.1600000000.bench"
    static let shared = Result { try ScalarPoints() }

    let points: [ScalarRowsWorkload.Point]
    /// The bytes of the rows, computed with Double.description.
    let expectedBytes: Int

    private struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    private init() throws {
        let (log, report) = EvalLogGenerator.bytes(seed: 42, encoding: .simpleValue, limit: .bytes(16 << 20))
        let ids = Dictionary(uniqueKeysWithValues: EvalLogGenerator.tags.enumerated().map { ($1, $0) })
        var reader = EventFileReader(records: RecordReader(bytes: log))
        var points: [ScalarRowsWorkload.Point] = []
        var expectedBytes = 0
        while let event = try reader.next() {
            var values = event.summaryValues()
            while let value = try values.next() {
                guard let scalar = try value.scalar(), let tag = ids[value.tag] else { continue }
                points.append(.init(step: event.step, wallTime: event.wallTime, value: scalar.value, tag: tag))
                // path,tag,step,wall_time,value\n: no field here needs quoting.
                expectedBytes += Self.path.utf8.count + value.tag.utf8.count + "\(event.step)".utf8.count
                    + "\(event.wallTime)".utf8.count + "\(scalar.value)".utf8.count + 5
            }
        }
        guard points.count == report.statistics.scalarPoints else {
            throw Mismatch(description: "decoded \(points.count) points, the log holds \(report.statistics.scalarPoints)")
        }
        self.points = points
        self.expectedBytes = expectedBytes
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, pointsPerSecond, megabytesPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 100,
        // No allocation per pass; throughput may not fall more than 50 %
        // below the stored figure (package-benchmark stores the fast end of
        // a throughput and checks the slow end: the spread of one run takes
        // up to ~35 % of the tolerance, see Benchmarks/README.md).
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0]), pointsPerSecond: .init(relative: [.p90: 50.0]),
                     megabytesPerSecond: .init(relative: [.p90: 50.0]), .wallClock: .init(relative: [.p90: 50.0])]
    )
    Benchmark.defaultConfiguration.units = [pointsPerSecond: .count, megabytesPerSecond: .count]

    Benchmark("CSV rows of a 16 MiB eval log (ScalarTextRows)") { benchmark in
        guard let points = try? ScalarPoints.shared.get() else {
            benchmark.error("could not generate the points")
            return
        }
        var workload = ScalarRowsWorkload(path: ScalarPoints.path, tags: EvalLogGenerator.tags)
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let start = clock.now
        let written = workload.run(points.points)
        let elapsed = start.duration(to: clock.now)
        benchmark.stopMeasurement()
        blackHole(written)
        if written != points.expectedBytes {
            benchmark.error("wrote \(written) bytes, expected \(points.expectedBytes)")
        }
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        benchmark.measurement(pointsPerSecond, Int(Double(points.points.count) / nanoseconds * 1e9))
        benchmark.measurement(megabytesPerSecond, Int(Double(written) / nanoseconds * 1000))
    } setup: {
        _ = try ScalarPoints.shared.get()
    }
}
