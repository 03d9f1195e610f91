import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Random damage to a generated event file: the reader never traps, every
/// offset it reports lies inside the data, records before the damage come
/// back intact, and the streamed reader agrees with the contiguous one.
@Suite("RecordReader properties")
struct RecordReaderPropertyTests {
    /// A small mixed TF1/TF2 evaluation log (about 6 KiB).
    static let original = EvalLogGenerator.bytes(seed: 3, encoding: .mixed, limit: .events(60)).bytes
    static let clean = ReadOutcome.contiguous(original)

    /// Checks the invariants of one outcome over `bytes`.
    static func checkInvariants(_ outcome: ReadOutcome, count: Int, _ context: String) {
        for item in outcome.items {
            switch item {
            case let .record(offset, payload):
                #expect(offset >= 0 && offset + payload.count + 16 <= count, "\(context): record at \(offset)")
            case .error(let error):
                #expect(error.offset >= 0 && error.offset <= count, "\(context): error at \(error.offset)")
                #expect(error.skippedBytes >= 0 && error.offset + error.skippedBytes <= count, "\(context)")
            }
        }
        switch outcome.endState {
        case .clean(let offset):
            #expect(offset == count, "\(context)")
        case let .truncated(validEnd, trailing):
            #expect(validEnd >= 0 && trailing > 0 && validEnd + trailing == count, "\(context)")
        case .stopped(let at):
            #expect(at >= 0 && at <= count, "\(context)")
        case .reading:
            Issue.record("\(context): the reader did not finish")
        }
    }

    @Test("the generated file reads back whole")
    func baseline() {
        #expect(Self.clean.records.count == 60)
        #expect(Self.clean.errors.isEmpty)
        #expect(Self.clean.endState == .clean(offset: Self.original.count))
    }

    @Test("random byte flips: no trap, offsets inside the data, records before the first flip intact",
          arguments: [RecordReaderOptions(), .stopAtFirstError])
    func byteFlips(options: RecordReaderOptions) {
        var random = SplitMix64(seed: 41)
        for round in 0 ..< 300 {
            var bytes = Self.original
            var firstFlip = bytes.count
            for _ in 0 ..< Int.random(in: 1 ... 3, using: &random) {
                let position = Int.random(in: 0 ..< bytes.count, using: &random)
                bytes[position] ^= UInt8.random(in: 1 ... 255, using: &random)
                firstFlip = min(firstFlip, position)
            }
            let outcome = ReadOutcome.contiguous(bytes, options: options)
            Self.checkInvariants(outcome, count: bytes.count, "round \(round)")
            let intact = Self.clean.records.prefix { $0.offset + $0.payload.count + 16 <= firstFlip }
            #expect(outcome.records.prefix(intact.count).map(\.offset) == intact.map(\.offset), "round \(round)")
            #expect(outcome.records.prefix(intact.count).map(\.payload) == intact.map(\.payload), "round \(round)")
            if round % 10 == 0 {
                let streamed = ReadOutcome.streamed(bytes, windowCapacity: 32, maxChunk: 50, seed: UInt64(round),
                                                    options: options)
                #expect(streamed == outcome, "round \(round): streamed")
            }
        }
    }

    @Test("random truncations after random flips: no trap, offsets inside the data")
    func truncationsAndFlips() {
        var random = SplitMix64(seed: 43)
        for round in 0 ..< 300 {
            var bytes = Array(Self.original.prefix(Int.random(in: 0 ... Self.original.count, using: &random)))
            if !bytes.isEmpty && round % 2 == 0 {
                bytes[Int.random(in: 0 ..< bytes.count, using: &random)] ^= 0x40
            }
            var options = RecordReaderOptions()
            options.verifyPayloadChecksums = round % 3 != 0
            let outcome = ReadOutcome.contiguous(bytes, options: options)
            Self.checkInvariants(outcome, count: bytes.count, "round \(round)")
        }
    }

    @Test("random garbage of every length up to 600 bytes: no trap, offsets inside")
    func garbage() {
        var random = SplitMix64(seed: 47)
        for length in 0 ... 600 {
            let bytes = (0 ..< length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            Self.checkInvariants(ReadOutcome.contiguous(bytes), count: length, "length \(length)")
            Self.checkInvariants(ReadOutcome.contiguous(bytes, options: .stopAtFirstError), count: length,
                                 "length \(length), stop")
        }
    }
}

extension RecordReaderOptions: CustomTestStringConvertible {
    public var testDescription: String {
        onLengthMismatch == .stop ? "stop at first error" : "skip and resynchronise"
    }
}
