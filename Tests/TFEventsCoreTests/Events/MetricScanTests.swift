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
                            try event.scanScalars(metric: MetricTag(metric), includeTensorScalars: tensors, into: &scan)
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
