// Interning summary tags with TagTable (package-scoped, reached through
// _TFEventsBenchmarking's TagInterningWorkload): the tags of every value of
// a generated 64 MiB evaluation log (Estimator's 11 metric names, 1 to 8
// per event), their bytes copied end to end once in setup.
//
// Each iteration builds a table holding the 11 tags (not measured) and
// interns every value's tag in order: "hashed" with the direct lookup (a
// small cache in front of the hash table), "predicted" first checking the
// id that followed the previous value's tag, as scanning, indexing and the
// tracker do. "tags/s" is values interned per second of wall time; a run
// over known tags allocates nothing, so mallocCountTotal must stay 0.

import Benchmark
import Foundation
@_spi(Benchmarking) import _TFEventsBenchmarking
import TFEvents
import TFEventsSynthetic

let tagsPerSecond = BenchmarkMetric.custom("tags/s", polarity: .prefersLarger, useScalingFactor: false)
let valuesMetric = BenchmarkMetric.custom("values", polarity: .prefersLarger, useScalingFactor: false)

/// The tag stream of the generated log and the checksum a run must return.
struct TagStream: Sendable {
    let stream: TagInterningWorkload.Stream
    /// The sum of the tags' indices in EvalLogGenerator.tags (their ids).
    let expectedChecksum: Int

    static let shared = Result { try TagStream() }

    private struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    private init() throws {
        let (log, report) = EvalLogGenerator.bytes(seed: 42, encoding: .simpleValue, limit: .bytes(64 << 20))
        stream = TagInterningWorkload.Stream(log: log)
        // The ids the table must hand out, found with the public reader.
        let ids = Dictionary(uniqueKeysWithValues: EvalLogGenerator.tags.enumerated().map { ($1, $0) })
        var reader = EventFileReader(records: RecordReader(bytes: log))
        var checksum = 0
        while let event = try reader.next() {
            var values = event.summaryValues()
            while let value = try values.next() { checksum += ids[value.tag] ?? -1_000_000 }
        }
        expectedChecksum = checksum
        guard stream.valueCount == report.statistics.scalarPoints else {
            throw Mismatch(description: "the stream holds \(stream.valueCount) values, the log \(report.statistics.scalarPoints)")
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, tagsPerSecond, valuesMetric],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 100,
        // Zero allocations per pass is part of the contract; throughput may
        // not fall more than 50 % below the stored figure (see
        // Benchmarks/README.md).
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0]), tagsPerSecond: .init(relative: [.p90: 50.0]),
                     .wallClock: .init(relative: [.p90: 50.0])]
    )
    Benchmark.defaultConfiguration.units = [tagsPerSecond: .count, valuesMetric: .count]

    for predicted in [false, true] {
        Benchmark("TagTable intern 64 MiB eval log tags (\(predicted ? "predicted" : "hashed"))") { benchmark in
            guard let tags = try? TagStream.shared.get() else {
                benchmark.error("could not generate the tag stream")
                return
            }
            var workload = TagInterningWorkload(tags: EvalLogGenerator.tags)
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let checksum = workload.run(tags.stream, predicted: predicted)
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            blackHole(checksum)
            if checksum != tags.expectedChecksum || workload.tagCount != EvalLogGenerator.tags.count {
                benchmark.error("checksum \(checksum) with \(workload.tagCount) tags, expected \(tags.expectedChecksum) "
                                + "with \(EvalLogGenerator.tags.count)")
            }
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            benchmark.measurement(tagsPerSecond, Int(Double(tags.stream.valueCount) / nanoseconds * 1e9))
            benchmark.measurement(valuesMetric, tags.stream.valueCount)
        } setup: {
            _ = try TagStream.shared.get()
        }
    }
}
