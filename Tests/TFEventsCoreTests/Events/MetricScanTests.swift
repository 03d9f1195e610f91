import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// `EventView.scanScalars`, the metric-only pass of a best-model search,
/// finds what walking the values one by one finds: the same scalar and
/// malformed counts, the same last value of the metric, the same errors.
@Suite("Metric scan")
struct MetricScanTests {
    /// The reference: every value through `next()` and `scalar()`.
    static func walk(_ event: EventView, metric: String, includeTensorScalars: Bool) -> (MetricScan, Bool) {
        var scan = MetricScan()
        var values = event.summaryValues()
        do {
            while let value = try values.next() {
                let scalar: ScalarValue?
                do { scalar = try value.scalar() } catch { scan.malformedCount += 1; continue }
                guard let scalar else { continue }
                if !includeTensorScalars, scalar.encoding != .simpleValue { continue }
                if value.tag == metric { scan.metricValue = scalar.value }
                scan.scalarCount += 1
            }
            return (scan, false)
        } catch {
            return (scan, true)
        }
    }

    static func same(_ a: MetricScan, _ b: MetricScan) -> Bool {
        a.scalarCount == b.scalarCount && a.malformedCount == b.malformedCount
            && a.metricValue?.bitPattern == b.metricValue?.bitPattern
    }

    /// One `Summary.Value` with a tag and `simple_value`, and optionally
    /// metadata, as one `Summary.value` field.
    static func value(_ tag: String, _ number: Float, metadata: Bool = false, into writer: inout ProtoWriter) {
        var inner = ProtoWriter()
        inner.writeKey(field: 1, wireType: .lengthDelimited)
        inner.writeVarint(UInt64(tag.utf8.count))
        inner.writeRawBytes(Array(tag.utf8))
        inner.writeFloat(field: 2, number)
        if metadata {
            inner.writeKey(field: 9, wireType: .lengthDelimited)
            inner.writeVarint(0)
        }
        writer.writeKey(field: 1, wireType: .lengthDelimited)
        writer.writeVarint(UInt64(inner.count))
        writer.writeRawBytes(inner.bytes)
    }

    /// One `Summary.Value` holding a TF2 tensor: `tensor` is the
    /// TensorProto's bytes; metadata (a plugin name) after it, before it,
    /// or none.
    static func tensorValue(_ tag: String, tensor: [UInt8], metadata: Int, into writer: inout ProtoWriter) {
        var inner = ProtoWriter()
        inner.writeKey(field: 1, wireType: .lengthDelimited)
        inner.writeVarint(UInt64(tag.utf8.count))
        inner.writeRawBytes(Array(tag.utf8))
        let plugin: [UInt8] = [0x0A, 0x09, 0x0A, 0x07] + Array("scalars".utf8)
        func writeMetadata(_ inner: inout ProtoWriter) {
            inner.writeKey(field: 9, wireType: .lengthDelimited)
            inner.writeVarint(UInt64(plugin.count))
            inner.writeRawBytes(plugin)
        }
        if metadata == 1 { writeMetadata(&inner) }
        inner.writeKey(field: 8, wireType: .lengthDelimited)
        inner.writeVarint(UInt64(tensor.count))
        inner.writeRawBytes(tensor)
        if metadata == 2 { writeMetadata(&inner) }
        writer.writeKey(field: 1, wireType: .lengthDelimited)
        writer.writeVarint(UInt64(inner.count))
        writer.writeRawBytes(inner.bytes)
    }

    /// TensorProtos: TF2's float scalar, a double scalar, a float vector
    /// of one, a float scalar with an extra field, a truncated one.
    static let tensors: [[UInt8]] = [
        [0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0x00, 0x00, 0xC0, 0x3F],
        [0x08, 0x02, 0x12, 0x00, 0x22, 0x08, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F],
        [0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x01, 0x22, 0x04, 0x00, 0x00, 0xC0, 0x3F],
        [0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0x00, 0x00, 0xC0, 0x3F, 0x50, 0x01],
        [0x08, 0x01, 0x12, 0x00, 0x22, 0x04, 0x00, 0x00],
    ]

    @Test("TF2 tensors mixed with simple values: float scalars with metadata after, before or none, other dtypes and shapes, extra fields, truncated contents; tensor scalars counted or not")
    func tensorShapes() throws {
        var rng = SplitMix64(seed: 6)
        for _ in 0 ..< 600 {
            var writer = ProtoWriter()
            for _ in 0 ..< Int.random(in: 1 ... 6, using: &rng) {
                let tag = ["loss", "acc", ""][Int.random(in: 0 ..< 3, using: &rng)]
                if Bool.random(using: &rng) {
                    Self.value(tag, 0.5, into: &writer)
                } else {
                    Self.tensorValue(tag, tensor: Self.tensors[Int.random(in: 0 ..< Self.tensors.count, using: &rng)],
                                     metadata: Int.random(in: 0 ... 2, using: &rng), into: &writer)
                }
            }
            let payload = Self.payload(summary: writer.bytes)
            let event = try EventView(payload: payload.rawSpan, recordOffset: 0)
            for metric in ["loss", "acc", ""] {
                for tensors in [true, false] {
                    let (expected, throwsToo) = Self.walk(event, metric: metric, includeTensorScalars: tensors)
                    var scan = MetricScan()
                    var threw = false
                    do { try event.scanScalars(metric: TagKey(metric), includeTensorScalars: tensors, into: &scan) } catch { threw = true }
                    #expect(threw == throwsToo && Self.same(scan, expected), "\(writer.bytes) \(metric): \(scan) vs \(expected)")
                }
            }
            // forEachValue (scan, the tracker's interning) against the walk.
            var values = event.summaryValues()
            var seen: [(String, UInt64?, String)] = []
            var malformed = 0
            try? values.forEachValue(requireRankZero: false, malformed: &malformed) { tag, scalar in
                seen.append((tag.utf8String, scalar?.value.bitPattern, scalar.map { "\($0.encoding)" } ?? "-"))
            }
            var reference: [(String, UInt64?, String)] = []
            var walk = event.summaryValues()
            while let value = try? walk.next() {
                let scalar = try? value.scalar()
                reference.append((value.tag, scalar?.value.bitPattern, scalar.map { "\($0.encoding)" } ?? "-"))
            }
            #expect(seen.map(\.0) == reference.map(\.0) && seen.map(\.1) == reference.map(\.1) && seen.map(\.2) == reference.map(\.2))
        }
    }

    /// A summary event's payload holding `summary`.
    static func payload(summary: [UInt8]) -> [UInt8] {
        var writer = ProtoWriter()
        writer.writeDouble(field: 1, 1.5)
        writer.writeVarint(field: 2, 7)
        writer.writeKey(field: 5, wireType: .lengthDelimited)
        writer.writeVarint(UInt64(summary.count))
        writer.writeRawBytes(summary)
        return writer.bytes
    }

    @Test("plain simple values mixed with other shapes: the metric twice, tags of 0 and 120 bytes (the plain loop's limit), metadata, a truncated value")
    func mixedShapes() throws {
        let long = String(repeating: "m", count: 120), longer = String(repeating: "m", count: 121)
        let shapes: [(String, Float, Bool)] = [("loss", 1, false), ("loss", 2, true), ("", 3, false), (long, 4, false),
                                               (longer, 5, false), ("acc", 6, false), ("loss", 7, false), ("loss", 8, true)]
        var rng = SplitMix64(seed: 5)
        for _ in 0 ..< 400 {
            var writer = ProtoWriter()
            for _ in 0 ..< Int.random(in: 0 ... 6, using: &rng) {
                let (tag, number, metadata) = shapes[Int.random(in: 0 ..< shapes.count, using: &rng)]
                Self.value(tag, number, metadata: metadata, into: &writer)
            }
            var summary = writer.bytes
            if Int.random(in: 0 ..< 4, using: &rng) == 0, !summary.isEmpty { summary.removeLast() }
            let payload = Self.payload(summary: summary)
            let event = try EventView(payload: payload.rawSpan, recordOffset: 0)
            for metric in ["loss", "", long, longer, "acc"] {
                let (expected, throwsToo) = Self.walk(event, metric: metric, includeTensorScalars: true)
                var scan = MetricScan()
                var threw = false
                do { try event.scanScalars(metric: TagKey(metric), includeTensorScalars: true, into: &scan) } catch { threw = true }
                #expect(threw == throwsToo && Self.same(scan, expected), "\(summary) \(metric): \(scan) vs \(expected)")
            }
        }
    }

    @Test("more plain values than an event may hold: the same error after the same values")
    func tooManyValues() throws {
        var writer = ProtoWriter()
        for i in 0 ... SummaryValues.maxValuesPerEvent { Self.value(i == 5 ? "loss" : "x", Float(i), into: &writer) }
        let payload = Self.payload(summary: writer.bytes)
        let event = try EventView(payload: payload.rawSpan, recordOffset: 0)
        let (expected, throwsToo) = Self.walk(event, metric: "loss", includeTensorScalars: true)
        var scan = MetricScan()
        var threw = false
        do { try event.scanScalars(metric: TagKey("loss"), includeTensorScalars: true, into: &scan) } catch { threw = true }
        #expect(throwsToo && threw)
        #expect(Self.same(scan, expected) && scan.scalarCount == SummaryValues.maxValuesPerEvent && scan.metricValue == 5)
    }

    @Test("every event of every fixture directory and of a generated log, for several metrics, both encodings")
    func agreesWithTheWalk() throws {
        let scratch = ScratchDirectory()
        let generated = scratch.path + "/events.out.tfevents.1.gen"
        _ = try EvalLogGenerator.writeFile(path: generated, seed: 11, encoding: .mixed, limit: .events(3000))
        let found = EventFileDiscovery.expand(["tf1", "tf2", "tensorboardx", "estimator", "corrupt", "compressed"]
            .map(FixtureLibrary.path) + [generated])
        #expect(found.files.count > 10)
        var events = 0
        var withMetric = 0
        var malformed = 0
        for file in found.files {
            var reader = try EventFileReader(path: file)
            while true {
                let next: EventView?
                do { next = try reader.next() } catch { continue }
                guard let event = next else { break }
                guard event.kind == .summary else { continue }
                events += 1
                for metric in ["loss", "accuracy", "average_loss", "special/nan", "nope", ""] {
                    for tensors in [true, false] {
                        let (expected, throwsToo) = Self.walk(event, metric: metric, includeTensorScalars: tensors)
                        var scan = MetricScan()
                        var threw = false
                        do {
                            try event.scanScalars(metric: TagKey(metric), includeTensorScalars: tensors, into: &scan)
                        } catch { threw = true }
                        #expect(threw == throwsToo && Self.same(scan, expected),
                                "\(file) @\(event.recordOffset) \(metric): \(scan) vs \(expected)")
                        if metric == "loss", tensors, scan.metricValue != nil { withMetric += 1 }
                        if metric == "loss", tensors { malformed += scan.malformedCount }
                    }
                }
            }
        }
        #expect(events > 3000 && withMetric > 1000)
        print("metric scan: \(events) summary events, \(withMetric) with loss, \(malformed) malformed values")
    }
}
