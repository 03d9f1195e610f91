import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The synthetic evaluation log: deterministic, shaped like Estimator's
/// eval events, and its statistics agree with an independent read.
@Suite("EvalLogGenerator")
struct EvalLogGeneratorTests {
    /// What the package's event reader finds in a log.
    struct Observed {
        var events = 0
        var steps: [Int64] = []
        var wallTimes: [Double] = []
        var valueCounts: [Int] = []
        var scalarPoints = 0
        var simplePoints = 0
        var tensorPoints = 0
        var lossPoints = 0
        var bestLoss: (step: Int64, value: Double, index: Int)?
        var tags: Set<String> = []
        var fileVersion: String?
        var firstWallTime: Double?
        var endState: RecordReader.EndState = .reading

        init(_ bytes: [UInt8]) throws {
            var reader = EventFileReader(records: RecordReader(bytes: bytes))
            while let event = try reader.next() {
                defer { events += 1 }
                if events == 0 {
                    fileVersion = event.fileVersion
                    firstWallTime = event.wallTime
                    continue
                }
                steps.append(event.step)
                wallTimes.append(event.wallTime)
                var values = event.summaryValues()
                var count = 0
                while let value = try values.next() {
                    count += 1
                    tags.insert(value.tag)
                    let scalar = try #require(try value.scalar(requireRankZero: true))
                    switch scalar.encoding {
                    case .simpleValue: simplePoints += 1
                    case .tensor(.float, fromContent: true):
                        tensorPoints += 1
                        #expect(try value.metadata().pluginName == "scalars")
                    default: Issue.record("unexpected encoding \(scalar.encoding)")
                    }
                    if value.tag == "loss" {
                        lossPoints += 1
                        if bestLoss.map({ scalar.value < $0.value }) ?? true {
                            bestLoss = (event.step, scalar.value, events)
                        }
                    }
                }
                valueCounts.append(count)
                scalarPoints += count
            }
            endState = reader.endState
        }
    }

    @Test("the same seed gives the same bytes; another seed does not")
    func deterministic() {
        let a = EvalLogGenerator.bytes(seed: 7, encoding: .mixed, limit: .events(300))
        let b = EvalLogGenerator.bytes(seed: 7, encoding: .mixed, limit: .events(300))
        let c = EvalLogGenerator.bytes(seed: 8, encoding: .mixed, limit: .events(300))
        #expect(a.bytes == b.bytes)
        #expect(a.report == b.report)
        #expect(a.bytes != c.bytes)
    }

    @Test("shaped like an Estimator eval log; statistics match an independent read",
          arguments: EvalLogGenerator.Encoding.allCases)
    func statisticsMatchReader(encoding: EvalLogGenerator.Encoding) throws {
        let (bytes, report) = EvalLogGenerator.bytes(seed: 99, encoding: encoding, limit: .events(2000))
        let observed = try Observed(bytes)
        #expect(observed.endState == .clean(offset: bytes.count))
        #expect(report.bytes == bytes.count)
        #expect(report.records == 2000 && report.statistics.events == 2000 && observed.events == 2000)

        // First event: file_version at a whole second.
        #expect(observed.fileVersion == "brain.Event:2")
        #expect(observed.firstWallTime == 1_600_000_000)

        // Evaluations: increasing steps and wall times, 1...8 values with known tags.
        #expect(zip(observed.steps, observed.steps.dropFirst()).allSatisfy { $0 < $1 })
        #expect(zip(observed.wallTimes, observed.wallTimes.dropFirst()).allSatisfy { $0 < $1 })
        #expect((observed.wallTimes.first ?? 0) > 1_600_000_000)
        #expect(observed.valueCounts.allSatisfy { (1 ... 8).contains($0) })
        #expect(Set(observed.valueCounts) == Set(1 ... 8))
        #expect(observed.tags.isSubset(of: Set(EvalLogGenerator.tags)))
        #expect(observed.tags.contains("loss") && observed.tags.contains("label/mean"))
        #expect(observed.lossPoints > 1999 * 8 / 10 && observed.lossPoints < 1999 * 98 / 100)

        // The statistics say what the reader saw.
        let statistics = report.statistics
        #expect(statistics.scalarPoints == observed.scalarPoints)
        #expect(statistics.lossPoints == observed.lossPoints)
        #expect(statistics.simpleValuePoints == observed.simplePoints)
        #expect(statistics.tensorPoints == observed.tensorPoints)
        #expect(statistics.lastStep == observed.steps.last)
        let best = try #require(statistics.bestLoss)
        let observedBest = try #require(observed.bestLoss)
        #expect(best.step == observedBest.step)
        #expect(Double(best.value) == observedBest.value)
        #expect(best.eventIndex == observedBest.index)
        #expect(best.wallTime == observed.wallTimes[best.eventIndex - 1])

        switch encoding {
        case .simpleValue: #expect(observed.tensorPoints == 0)
        case .tf2Tensor: #expect(observed.simplePoints == 0)
        case .mixed: #expect(observed.simplePoints > observed.scalarPoints / 3 && observed.tensorPoints > observed.scalarPoints / 3)
        }
    }

    @Test("a byte limit stops at the first record boundary at or after it")
    func byteLimit() throws {
        for target in [0, 1, 40, 41, 10_000, 100_000] {
            let (bytes, report) = EvalLogGenerator.bytes(seed: 1, limit: .bytes(target))
            #expect(bytes.count >= target)
            let records = ReadOutcome.contiguous(bytes).records
            #expect(records.count == report.records)
            if let last = records.last {
                #expect(last.offset < target || target == 0 && records.isEmpty, "target \(target)")
            }
        }
        #expect(EvalLogGenerator.bytes(seed: 1, limit: .bytes(0)).bytes.isEmpty)
    }

    @Test("writeFile writes the bytes the in-memory generator makes")
    func writeFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-gen-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.out.tfevents.1600000000.synthetic").path
        let report = try EvalLogGenerator.writeFile(path: path, seed: 5, encoding: .tf2Tensor, limit: .bytes(3 << 20))
        let expected = EvalLogGenerator.bytes(seed: 5, encoding: .tf2Tensor, limit: .bytes(3 << 20))
        let written = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == expected.bytes)
        #expect(report == expected.report)
        #expect(report.bytes == written.count)
    }

    @Test("SplitMix64 matches the published reference outputs for seed 0")
    func splitMixReference() {
        // First outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
        for bound in [1, 2, 7, 1000] {
            for _ in 0 ..< 100 { #expect((0 ..< bound).contains(random.nextInt(below: bound))) }
        }
        for _ in 0 ..< 1000 {
            let unit = random.nextUnit()
            #expect(unit >= 0 && unit < 1)
        }
    }
}
