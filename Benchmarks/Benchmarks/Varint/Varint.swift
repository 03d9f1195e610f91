// Protobuf varint decoding with ProtoReader.readVarint() (package-scoped,
// reached through _TFEventsBenchmarking's VarintDecodingWorkload): a buffer
// of 4 M varints laid end to end, all of one length (1, 2, 3, 4-5 or 10
// bytes) or mixed like the steps and lengths of real events.
//
// Setup encodes each buffer once (deterministic values from SplitMix-style
// mixing). Each iteration decodes the whole buffer and checks the count and
// the sum of the values. "values/s" is varints decoded per second of wall
// time; decoding allocates nothing, so mallocCountTotal must stay 0.

import Benchmark
import Foundation
@_spi(Benchmarking) import _TFEventsBenchmarking

let valuesPerSecond = BenchmarkMetric.custom("values/s", polarity: .prefersLarger, useScalingFactor: false)
let bytesMetric = BenchmarkMetric.custom("bytes", polarity: .prefersLarger, useScalingFactor: false)

/// The length classes of the buffers.
enum Mix: CaseIterable, CustomStringConvertible {
    case oneByte, twoBytes, threeBytes, fourOrFiveBytes, tenBytes
    /// 60 % 3 bytes (steps 16,384 ..< 2 M), 15 % 1 byte (keys, small
    /// lengths), 15 % 2 bytes (value lengths), 8 % 4-5 bytes (large steps),
    /// 2 % 10 bytes (negative int64s).
    case events

    var description: String {
        switch self {
        case .oneByte: "1 byte"
        case .twoBytes: "2 bytes"
        case .threeBytes: "3 bytes"
        case .fourOrFiveBytes: "4-5 bytes"
        case .tenBytes: "10 bytes"
        case .events: "mix like event steps, mostly 3 bytes"
        }
    }

    /// A value whose varint has this class's length; `random` picks it.
    func value(_ random: UInt64) -> UInt64 {
        switch self {
        case .oneByte: return Self.value(bytes: 1, random)
        case .twoBytes: return Self.value(bytes: 2, random)
        case .threeBytes: return Self.value(bytes: 3, random)
        case .fourOrFiveBytes: return Self.value(bytes: 4 + Int(random & 1), random >> 1)
        case .tenBytes: return UInt64(bitPattern: -1 - Int64(random % (1 << 40)))  // bit 63 set
        case .events:
            switch random % 100 {
            case ..<60: return Mix.threeBytes.value(random / 100)
            case ..<75: return Mix.oneByte.value(random / 100)
            case ..<90: return Mix.twoBytes.value(random / 100)
            case ..<98: return Mix.fourOrFiveBytes.value(random / 100)
            default: return Mix.tenBytes.value(random / 100)
            }
        }
    }

    /// A value of 7 * (bytes - 1) + 1 to 7 * bytes significant bits: a
    /// varint of exactly `bytes` bytes (1 ... 9).
    static func value(bytes: Int, _ random: UInt64) -> UInt64 {
        let low: UInt64 = bytes == 1 ? 0 : 1 << (7 * (bytes - 1))
        let high: UInt64 = 1 << (7 * bytes)
        return low + random % (high - low)
    }
}

/// One encoded buffer and what decoding it must give.
struct VarintBuffer: Sendable {
    static let count = 1 << 22

    let bytes: [UInt8]
    let sum: UInt64

    init(_ mix: Mix) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.count * 10)
        var sum: UInt64 = 0
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0 ..< Self.count {
            // SplitMix64's output function.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            let value = mix.value(z ^ (z >> 31))
            sum &+= value
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }
        self.bytes = bytes
        self.sum = sum
    }
}

/// The buffers, encoded on first use.
final class VarintBuffers: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var buffers: [Mix: VarintBuffer] = [:]

    static let shared = VarintBuffers()

    func buffer(_ mix: Mix) -> VarintBuffer {
        lock.lock()
        defer { lock.unlock() }
        if let existing = buffers[mix] { return existing }
        let buffer = VarintBuffer(mix)
        buffers[mix] = buffer
        return buffer
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, valuesPerSecond, bytesMetric],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 100,
        // Zero allocations per pass is part of the contract; throughput may
        // not fall more than 50 % below the stored figure (stored at the
        // fast end, checked at the slow end: see Benchmarks/README.md).
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0]), valuesPerSecond: .init(relative: [.p90: 50.0]),
                     .wallClock: .init(relative: [.p90: 50.0])]
    )
    Benchmark.defaultConfiguration.units = [valuesPerSecond: .count, bytesMetric: .count]

    for mix in Mix.allCases {
        // Eight passes per sample: one pass of 4 M values takes a few ms,
        // short enough for this shared machine to spread its samples by
        // more than half.
        Benchmark("Varint decode 8 x 4 M values, \(mix)") { benchmark in
            let buffer = VarintBuffers.shared.buffer(mix)
            let clock = ContinuousClock()
            let passes = 8
            benchmark.startMeasurement()
            let start = clock.now
            var decoded = 0
            for _ in 0 ..< passes {
                let result = VarintDecodingWorkload.run(buffer.bytes)
                blackHole(result)
                if result.count != VarintBuffer.count || result.sum != buffer.sum {
                    benchmark.error("decoded \(result.count) values summing to \(result.sum), "
                                    + "expected \(VarintBuffer.count) summing to \(buffer.sum)")
                }
                decoded += result.count
            }
            let elapsed = start.duration(to: clock.now)
            benchmark.stopMeasurement()
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            benchmark.measurement(valuesPerSecond, Int(Double(decoded) / nanoseconds * 1e9))
            benchmark.measurement(bytesMetric, buffer.bytes.count)
        } setup: {
            _ = VarintBuffers.shared.buffer(mix)
        }
    }
}
