// Framing plus both CRCs over a generated 256 MiB evaluation log.
//
// Setup writes the log once per process into a temporary directory with
// EvalLogGenerator and maps it with MappedFile (pre-faulted, so page faults
// are not measured). Each iteration walks every record with
// RecordReader(mappedFile:): length CRC, bounds, payload CRC. "MB/s" is the
// file size over the wall time of one pass; mallocCountTotal must stay 0
// per pass, whatever the number of records.

import Benchmark
import Foundation
import TFEvents
import TFEventsSynthetic

let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
let recordsMetric = BenchmarkMetric.custom("records", polarity: .prefersLarger, useScalingFactor: false)

/// The generated logs, created on first use and kept for the process.
final class GeneratedLogs: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var files: [EvalLogGenerator.Encoding: (file: MappedFile, report: EvalLogGenerator.Report)] = [:]
    let directory: String

    static let shared = GeneratedLogs()
    static let size = 256 << 20

    private init() {
        directory = NSTemporaryDirectory() + "tfevents-bench-\(getpid())"
    }

    func log(_ encoding: EvalLogGenerator.Encoding) throws -> (file: MappedFile, report: EvalLogGenerator.Report) {
        lock.lock()
        defer { lock.unlock() }
        if let existing = files[encoding] { return existing }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/events.out.tfevents.1600000000.\(encoding)"
        let report = try EvalLogGenerator.writeFile(path: path, seed: 42, encoding: encoding, limit: .bytes(Self.size))
        let file = try MappedFile(path: path)
        // The mapping holds the pages; the file itself is no longer needed.
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: directory)
        files[encoding] = (file, report)
        return (file, report)
    }
}

/// One pass over every record; returns (records, payload bytes).
@inline(never)
func scan(_ file: MappedFile) -> (records: Int, payloadBytes: Int, errors: Int) {
    var reader = RecordReader(mappedFile: file)
    var records = 0
    var payloadBytes = 0
    var errors = 0
    while true {
        do {
            guard let record = try reader.next() else { break }
            records &+= 1
            payloadBytes &+= record.payloadLength
        } catch {
            errors += 1
            if !error.isResumable { break }
        }
    }
    return (records, payloadBytes, errors)
}

/// One pass of full scalar decoding: framing, both CRCs, the Event and
/// Summary walk and every value's extraction to a Double.
@inline(never)
func decodeScalars(_ file: MappedFile) -> (records: Int, scalars: Int, sum: Double, errors: Int) {
    var reader = EventFileReader(records: RecordReader(mappedFile: file))
    var records = 0, scalars = 0, errors = 0
    var sum = 0.0
    var value = SummaryValueView()
    while true {
        do {
            guard let event = try reader.next() else { break }
            records &+= 1
            var values = event.summaryValues()
            while try values.next(into: &value) {
                if let scalar = try value.scalar() {
                    scalars &+= 1
                    sum += scalar.value
                }
            }
        } catch let error as ReadEventError {
            errors += 1
            if !error.isResumable { break }
        } catch {
            errors += 1  // a malformed value inside a sound record
        }
    }
    return (records, scalars, sum, errors)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, megabytesPerSecond, recordsMetric],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 30,
        // Zero allocations per pass is part of the contract; throughput may
        // not fall more than 35 % below the stored p90.
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0]), megabytesPerSecond: .init(relative: [.p90: 35.0]),
                     .wallClock: .init(relative: [.p90: 35.0])]
    )
    Benchmark.defaultConfiguration.units = [megabytesPerSecond: .count, recordsMetric: .count]

    for encoding in [EvalLogGenerator.Encoding.simpleValue, .tf2Tensor] {
        Benchmark("RecordReader 256 MiB eval log (\(encoding))") { benchmark in
            guard let (file, report) = try? GeneratedLogs.shared.log(encoding) else {
                benchmark.error("could not generate the log")
                return
            }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let result = scan(file)
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            blackHole(result)
            if result.records != report.records || result.errors != 0 {
                benchmark.error("read \(result.records) records with \(result.errors) errors, expected \(report.records)")
            }
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            benchmark.measurement(megabytesPerSecond, Int(Double(file.count) / nanoseconds * 1000))
            benchmark.measurement(recordsMetric, result.records)
        } setup: {
            _ = try GeneratedLogs.shared.log(encoding)
        }
    }

    for encoding in [EvalLogGenerator.Encoding.simpleValue, .tf2Tensor] {
        Benchmark("Full scalar decode 256 MiB eval log (\(encoding))") { benchmark in
            guard let (file, report) = try? GeneratedLogs.shared.log(encoding) else {
                benchmark.error("could not generate the log")
                return
            }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            let start = clock.now
            let result = decodeScalars(file)
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            blackHole(result)
            if result.records != report.records || result.scalars != report.statistics.scalarPoints || result.errors != 0 {
                benchmark.error("decoded \(result.records) records and \(result.scalars) scalars, expected \(report.records) and \(report.statistics.scalarPoints)")
            }
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            benchmark.measurement(megabytesPerSecond, Int(Double(file.count) / nanoseconds * 1000))
            benchmark.measurement(recordsMetric, result.records)
        } setup: {
            _ = try GeneratedLogs.shared.log(encoding)
        }
    }

    // How long the generator takes to write a 64 MiB log (buffered writes
    // into the page cache; the file is deleted afterwards).
    Benchmark("EvalLogGenerator write 64 MiB (simpleValue)",
              configuration: .init(metrics: [.wallClock, megabytesPerSecond, .mallocCountTotal],
                                   timeUnits: .milliseconds, warmupIterations: 0, maxDuration: .seconds(10),
                                   maxIterations: 5,
                                   thresholds: [.wallClock: .init(relative: [.p90: 35.0]),
                                                megabytesPerSecond: .init(relative: [.p90: 35.0]),
                                                .mallocCountTotal: .init(relative: [.p90: 35.0])])) { benchmark in
        let directory = GeneratedLogs.shared.directory
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/generated-\(UUID().uuidString)"
        let clock = ContinuousClock()
        let start = clock.now
        let report = try? EvalLogGenerator.writeFile(path: path, seed: 7, encoding: .simpleValue, limit: .bytes(64 << 20))
        let elapsed = start.duration(to: clock.now)
        benchmark.stopMeasurement()
        try? FileManager.default.removeItem(atPath: path)
        blackHole(report)
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        benchmark.measurement(megabytesPerSecond, Int(Double(report?.bytes ?? 0) / nanoseconds * 1000))
    }
}
