import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport

/// The short-form decoders (local cursor, common layouts only) must give
/// exactly what the general decoder gives, on real and on damaged payloads.
@Suite("Short-form decoding agrees with the general decoder")
struct ShortFormDecodingTests {
    static func payloads() -> [[UInt8]] {
        var result: [[UInt8]] = []
        for relative in ["tf1/graph_mode/events.out.tfevents.1795433718.vm",
                         "tf2/basic/events.out.tfevents.1795433651.vm.11589.0.v2",
                         "tensorboardx/run1/events.out.tfevents.1795437972.vm",
                         "estimator/loss_best/eval/events.out.tfevents.1795438156.vm"] {
            var reader = RecordReader(bytes: fixtureBytes(relative))
            while let record = try? reader.next() { result.append(record.bytes) }
        }
        return result
    }

    static func sameEvent(_ payload: [UInt8]) {
        payload.withUnsafeBytes { raw in
            let fast = Result { () throws(ProtoDecodingError) in try EventView(payload: raw, recordOffset: 0) }
            var general = Result { () throws(ProtoDecodingError) in try EventView(payload: raw, recordOffset: 0) }
            if case .success(var view) = general {
                general = Result { () throws(ProtoDecodingError) in
                    try view.decodeGeneral(raw)
                    return view
                }
            }
            switch (fast, general) {
            case let (.success(a), .success(b)):
                #expect(a.wallTime.bitPattern == b.wallTime.bitPattern && a.step == b.step && a.kind == b.kind)
                #expect(a.memberBytes.baseAddress == b.memberBytes.baseAddress && a.memberBytes.count == b.memberBytes.count)
                var va = a.summaryValues(), vb = b.summaryValues()
                while true {
                    let x = try? va.next(), y = try? vb.next()
                    #expect((x == nil) == (y == nil))
                    guard let x = x ?? nil, let y = y ?? nil else { break }
                    let g = x.tagBytes.baseAddress.map { _ in x }  // keep x alive
                    _ = g
                    #expect(x.kind == y.kind && x.tagBytes.elementsEqual(y.tagBytes))
                    #expect(x.simpleValueBits == y.simpleValueBits && x.memberBytes.elementsEqual(y.memberBytes))
                    #expect(x.hasMetadata == y.hasMetadata && x.metadataBytes.elementsEqual(y.metadataBytes))
                }
            case (.failure, .failure):
                break  // both reject (the fast path defers to the general one)
            default:
                Issue.record("fast and general decoders disagree on \(payload)")
            }
        }
    }

    @Test("real payloads of every writer")
    func realPayloads() {
        for payload in Self.payloads() { Self.sameEvent(payload) }
    }

    @Test("every summary value decodes alike in short form and in general")
    func values() throws {
        for payload in Self.payloads() {
            try payload.withUnsafeBytes { raw in
                let event = try EventView(payload: raw, recordOffset: 0)
                guard event.kind == .summary else { return }
                try event.withMemberBytes { summary in
                    var reader = ProtoReader(summary)
                    while !reader.isAtEnd {
                        let key = try reader.readKey()
                        guard key.number == 1 else { try reader.skipField(key); continue }
                        let bytes = try reader.readLengthDelimited()
                        let general = try SummaryValueView(decodingGeneral: bytes)
                        if let short = SummaryValueView(shortForm: bytes) {
                            #expect(short.kind == general.kind && short.tagBytes.elementsEqual(general.tagBytes))
                            #expect(short.simpleValueBits == general.simpleValueBits)
                            #expect(short.memberBytes.elementsEqual(general.memberBytes))
                            #expect(short.metadataBytes.elementsEqual(general.metadataBytes))
                        }
                    }
                }
            }
        }
    }

    @Test("damaged payloads: both decoders agree or both reject")
    func damaged() {
        var rng = SplitMix64(seed: 11)
        let payloads = Self.payloads()
        for _ in 0 ..< 3000 {
            var payload = payloads[Int.random(in: 0 ..< payloads.count, using: &rng)]
            guard !payload.isEmpty else { continue }
            for _ in 0 ..< Int.random(in: 1 ... 3, using: &rng) {
                payload[Int.random(in: 0 ..< payload.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
            }
            if Bool.random(using: &rng) { payload = Array(payload.prefix(Int.random(in: 0 ... payload.count, using: &rng))) }
            Self.sameEvent(payload)
        }
    }
}
