import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

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
        let raw = payload.rawSpan
        let fastEvent = try? EventView(payload: raw, recordOffset: 0)
        var generalEvent = try? EventView(payload: raw, recordOffset: 0)
        if generalEvent != nil {
            do { try generalEvent!.decodeGeneral(raw) } catch { generalEvent = nil }
        }
        switch (fastEvent, generalEvent) {
        case let (a?, b?):
            #expect(a.wallTime.bitPattern == b.wallTime.bitPattern && a.step == b.step && a.kind == b.kind)
            let check1 = raw.byteOffsets(of: a.memberBytes) == raw.byteOffsets(of: b.memberBytes)
            #expect(check1)
            var va = a.summaryValues(), vb = b.summaryValues()
            while true {
                let x: SummaryValueView?, y: SummaryValueView?
                do { x = try va.next() } catch { x = nil }
                do { y = try vb.next() } catch { y = nil }
                #expect((x == nil) == (y == nil))
                guard let x, let y else { break }
                let check2 = x.kind == y.kind && x.tagBytes.bytesEqual(y.tagBytes)
                #expect(check2)
                let check3 = x.simpleValueBits == y.simpleValueBits && x.memberBytes.bytesEqual(y.memberBytes)
                #expect(check3)
                let check4 = x.hasMetadata == y.hasMetadata && x.metadataBytes.bytesEqual(y.metadataBytes)
                #expect(check4)
            }
        case (nil, nil):
            break  // both reject (the fast path defers to the general one)
        default:
            Issue.record("fast and general decoders disagree on \(payload)")
        }
    }

    @Test("real payloads of every writer")
    func realPayloads() {
        for payload in Self.payloads() { Self.sameEvent(payload) }
    }

    @Test("every summary value decodes alike in short form and in general")
    func values() throws {
        for payload in Self.payloads() {
            do {
                let event = try EventView(payload: payload.rawSpan, recordOffset: 0)
                guard event.kind == .summary else { continue }
                do {
                    var reader = ProtoReader(event.memberBytes)
                    while !reader.isAtEnd {
                        let key = try reader.readKey()
                        guard key.number == 1 else { try reader.skipField(key); continue }
                        let bytes = try reader.readLengthDelimited()
                        let general = try SummaryValueView(decodingGeneral: bytes)
                        if let short = SummaryValueView(shortForm: bytes) {
                            let check5 = short.kind == general.kind && short.tagBytes.bytesEqual(general.tagBytes)
                            #expect(check5)
                            #expect(short.simpleValueBits == general.simpleValueBits)
                            let check6 = short.memberBytes.bytesEqual(general.memberBytes)
                            #expect(check6)
                            let check7 = short.metadataBytes.bytesEqual(general.metadataBytes)
                            #expect(check7)
                        }
                    }
                }
            }
        }
    }

    @Test("the event member of every field number is the enum's raw value (.none for the rest)")
    func memberOfFieldNumber() {
        for field in UInt8.min ... UInt8.max {
            #expect(EventKind(field: field) == EventKind(rawValue: field) ?? .none, "field \(field)")
        }
        #expect(EventKind(field: 5) == .summary && EventKind(field: 0) == .none && EventKind(field: 10) == .none)
    }

    @Test("a step's event in every layout near the plain one: steps of 1 to 10 bytes, lengths of 1 to 3 bytes, every member, a length off by one")
    func plainEventLayouts() {
        for step: UInt64 in [0, 1, 127, 128, 16_383, 16_384, 1 << 35, 1 << 49, 1 << 56, 1 << 63, UInt64.max] {
            for memberLength in [0, 1, 9, 100, 127, 128, 300, 16_383, 16_384, 20_000] {
                for field: UInt32 in [2, 3, 5, 8, 9, 10] {
                    var writer = ProtoWriter()
                    writer.writeDouble(field: 1, 1_600_000_000.25)
                    writer.writeVarint(field: 2, step)
                    writer.writeKey(field: field, wireType: .lengthDelimited)
                    writer.writeVarint(UInt64(memberLength))
                    writer.writeRawBytes([UInt8](repeating: 0x0A, count: memberLength))
                    let payload = writer.bytes
                    Self.sameEvent(payload)
                    Self.sameEvent(Array(payload.dropLast()))  // the length claims one byte more
                    Self.sameEvent(payload + [0x10, 0x05])  // a field after the member
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
