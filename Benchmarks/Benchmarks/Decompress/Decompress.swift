// Reading compressed event logs against the bare decompressor.
//
// Setup writes a 256 MiB (uncompressed) evaluation log once per process
// with EvalLogGenerator (seed 42, TF1 and TF2 scalars mixed) straight into
// a gzip, zlib or zstd file (RecordFileWriter, default levels) in a
// temporary directory. Each iteration of a pair benchmark then makes, on
// the same bytes, one after the other:
//
// - "bare": the decompressor alone (CBareDecompressor, C: zlib's inflate
//   or zstd's streaming decoder over the mapped file into a 1 MiB buffer,
//   on the calling thread, nothing else);
// - "read": what a reader does: EventFileReader with every length and
//   payload CRC verified, every event decoded, every Summary.Value's
//   scalar extracted (FORMAT §4.2) and summed.
//
// and reports both throughputs (uncompressed MB/s) and their ratio in
// per mille: the target is read >= 0.85 x bare (850 per mille). Reading
// hides its work inside decompression by decoding on a second thread
// (RecordReaderOptions.readAhead), so the ratio needs a second idle core.
//
// "scan" benchmarks time FileScanner (what `tfevents scan` and `tfevents
// scalars` run: it also interns every tag) on the same files.

import Benchmark
import CBareDecompressor
import Foundation
import TFEvents
import TFEventsSynthetic

let bareMBps = BenchmarkMetric.custom("bare MB/s", polarity: .prefersLarger, useScalingFactor: false)
let readMBps = BenchmarkMetric.custom("read MB/s", polarity: .prefersLarger, useScalingFactor: false)
let ratioPerMille = BenchmarkMetric.custom("read/bare ‰", polarity: .prefersLarger, useScalingFactor: false)
let scanMBps = BenchmarkMetric.custom("scan MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// The generated compressed logs, created on first use and kept for the process.
final class CompressedLogs: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    struct Log {
        var path: String
        var uncompressedBytes: Int
        var compressedBytes: Int
        var scalarPoints: Int
    }

    private let lock = NSLock()
    private var logs: [CompressionFormat: Log] = [:]
    let directory: String

    static let shared = CompressedLogs()
    static let size = 256 << 20

    private init() {
        directory = NSTemporaryDirectory() + "tfevents-decompress-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func log(_ format: CompressionFormat) throws -> Log {
        lock.lock()
        defer { lock.unlock() }
        if let existing = logs[format] { return existing }
        let path = directory + "/events.out.tfevents.1600000000.bench.\(format)"
        let writer = try RecordFileWriter(path: path, compression: format)
        var generator = EvalLogGenerator(seed: 42, encoding: .mixed)
        var encoder = EventEncoder(capacity: 4096)
        while writer.offset < Self.size {
            generator.encodeNextEvent(into: &encoder)
            try writer.write(encoder.span)
        }
        try writer.close()
        let log = Log(path: path, uncompressedBytes: writer.offset, compressedBytes: writer.compressedBytesWritten,
                      scalarPoints: generator.statistics.scalarPoints)
        logs[format] = log
        return log
    }
}

/// The decompressor alone: every uncompressed byte into a reused buffer.
@inline(never)
func bareDecompress(_ path: String, format: CompressionFormat, buffer: UnsafeMutableRawBufferPointer) -> Int {
    let total = format == .zstd
        ? bare_zstd_file(path, buffer.baseAddress, buffer.count)
        : bare_inflate_file(path, buffer.baseAddress, buffer.count)
    return Int(total)
}

/// Full reading: CRCs, events, scalars.
@inline(never)
func readScalars(_ path: String) throws -> (bytes: Int, scalars: Int, sum: Double) {
    var reader = try EventFileReader(path: path)
    var scalars = 0
    var sum = 0.0
    while let event = try reader.next() {
        var values = event.summaryValues()
        while let value = try values.next() {
            if let scalar = try value.scalar() {
                scalars += 1
                sum += scalar.value
            }
        }
    }
    return (reader.offset, scalars, sum)
}

func megabytesPerSecond(_ bytes: Int, _ elapsed: Duration) -> Int {
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    return Int(Double(bytes) / nanoseconds * 1000)
}

/// Allowed deviation from the stored thresholds, at the p90 that
/// `thresholds check` compares (the machine is shared and noisy).
func tolerances(_ metrics: [BenchmarkMetric]) -> [BenchmarkMetric: BenchmarkThresholds] {
    let all: [BenchmarkMetric: BenchmarkThresholds] = [
    .wallClock: .init(relative: [.p90: 35.0]), .cpuTotal: .init(relative: [.p90: 35.0]),
    .peakMemoryResident: .init(relative: [.p90: 35.0]),
    bareMBps: .init(relative: [.p90: 35.0]), readMBps: .init(relative: [.p90: 35.0]),
    ratioPerMille: .init(relative: [.p90: 25.0]), scanMBps: .init(relative: [.p90: 35.0]),
    ]
    return all.filter { metrics.contains($0.key) }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 12,
        thresholds: tolerances([.wallClock, .cpuTotal, .peakMemoryResident])
    )

    for format in [CompressionFormat.gzip, .zlib, .zstd] {
        Benchmark("Decompress 256 MiB eval log, \(format): bare vs read",
                  configuration: .init(metrics: [.wallClock, bareMBps, readMBps, ratioPerMille],
                                       timeUnits: .milliseconds, warmupIterations: 1,
                                       maxDuration: .seconds(25), maxIterations: 12,
                                       thresholds: tolerances([.wallClock, bareMBps, readMBps, ratioPerMille]))) { benchmark in
            let log = try CompressedLogs.shared.log(format)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { buffer.deallocate() }
            let clock = ContinuousClock()
            benchmark.startMeasurement()
            var start = clock.now
            let bare = bareDecompress(log.path, format: format, buffer: buffer)
            let bareElapsed = start.duration(to: clock.now)
            start = clock.now
            let read = try readScalars(log.path)
            let readElapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            blackHole(read)
            guard bare == log.uncompressedBytes, read.bytes == log.uncompressedBytes, read.scalars == log.scalarPoints else {
                benchmark.error("bare \(bare), read \(read.bytes) bytes / \(read.scalars) scalars; expected \(log.uncompressedBytes) / \(log.scalarPoints)")
                return
            }
            let bareRate = megabytesPerSecond(bare, bareElapsed)
            let readRate = megabytesPerSecond(read.bytes, readElapsed)
            benchmark.measurement(bareMBps, bareRate)
            benchmark.measurement(readMBps, readRate)
            benchmark.measurement(ratioPerMille, readRate * 1000 / max(bareRate, 1))
        } setup: {
            _ = try CompressedLogs.shared.log(format)
        }

        Benchmark("Decompress 256 MiB eval log, \(format): FileScanner (tfevents scan)",
                  configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, scanMBps],
                                       timeUnits: .milliseconds, warmupIterations: 1,
                                       maxDuration: .seconds(15), maxIterations: 10,
                                       thresholds: tolerances([.wallClock, .cpuTotal, .peakMemoryResident, scanMBps]))) { benchmark in
            let log = try CompressedLogs.shared.log(format)
            let clock = ContinuousClock()
            let start = clock.now
            let summary = FileScanner().scan(path: log.path)
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            guard summary.scalarPoints == log.scalarPoints, !summary.hasCorruption else {
                benchmark.error("scan found \(summary.scalarPoints) scalars, expected \(log.scalarPoints)")
                return
            }
            benchmark.measurement(scanMBps, megabytesPerSecond(summary.bytes, elapsed))
        } setup: {
            _ = try CompressedLogs.shared.log(format)
        }
    }
}
