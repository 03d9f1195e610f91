// CRC-32C throughput: every backend of this CPU, the public dispatch, and
// a yardstick (a plain -O3 C loop of `_mm_crc32_u64`), on the same buffers.
//
// Each iteration runs a chain `crc = extend(crc, buffer)` over about 16 MiB
// in total (262,144 calls of 64 B, one call of 16 MiB), so call overhead
// counts at small sizes exactly as it does for a record reader. The
// custom metric "MB/s" is the bytes of one iteration over its wall time.

import Benchmark
import CYardstick
import TFEvents

/// A 64-byte-aligned random buffer, created once per process.
final class BenchmarkBuffer: @unchecked Sendable {
    // @unchecked: written once in init, then only read.
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        bytes = .allocate(byteCount: count, alignment: 64)
        var state: UInt64 = 0x5EED
        for index in 0 ..< count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    func prefix(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[0 ..< count])
    }
}

let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// Runs `iterations` chained calls of `crc` over `buffer`, timing them, and
/// records MB/s.
@inline(__always)
func measure(_ benchmark: Benchmark, buffer: UnsafeRawBufferPointer, iterations: Int,
             _ crc: (UInt32, UnsafeRawBufferPointer) -> UInt32) {
    let clock = ContinuousClock()
    var value: UInt32 = 0
    let start = clock.now
    for _ in 0 ..< iterations {
        value = crc(value, buffer)
    }
    let elapsed = start.duration(to: clock.now)
    blackHole(value)
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    let bytes = Double(buffer.count * iterations)
    benchmark.measurement(megabytesPerSecond, Int(bytes / nanoseconds * 1000))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, megabytesPerSecond],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 300,
        // Regressions fail `swift package benchmark thresholds check` (see Benchmarks/README.md):
        // throughput may not fall more than 35 % below the stored p90.
        thresholds: [megabytesPerSecond: .init(relative: [.p90: 35.0]), .wallClock: .init(relative: [.p90: 35.0])]
    )
    Benchmark.defaultConfiguration.units = [megabytesPerSecond: .count]

    let sizes: [(name: String, bytes: Int)] = [
        ("64 B", 64), ("1 KiB", 1 << 10), ("64 KiB", 64 << 10), ("1 MiB", 1 << 20), ("16 MiB", 16 << 20),
    ]
    let buffer = BenchmarkBuffer(count: 16 << 20)
    let perIteration = 16 << 20

    for (name, size) in sizes {
        let slice = buffer.prefix(size)
        let iterations = max(1, perIteration / size)

        for backend in CRC32C.Backend.available {
            Benchmark("\(backend) \(name)") { benchmark in
                measure(benchmark, buffer: slice, iterations: iterations) { backend.extend($0, RawSpan(_unsafeBytes: $1)) }
            }
        }
        Benchmark("dispatch (\(CRC32C.Backend.active)) \(name)") { benchmark in
            measure(benchmark, buffer: slice, iterations: iterations) { CRC32C.extend($0, RawSpan(_unsafeBytes: $1)) }
        }
        if yardstick_has_sse42() != 0 {
            Benchmark("yardstick C loop \(name)") { benchmark in
                measure(benchmark, buffer: slice, iterations: iterations) { yardstick_crc32c($0, $1.baseAddress, $1.count) }
            }
        }
    }
}
