import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Every event file written by a real writer reads to exactly what the real
/// readers reported: event count, kinds, steps, and every scalar point bit
/// for bit.
@Suite("Fixtures from real writers")
struct RealWriterFixtureTests {
    /// (family folder, path relative to it, expected entry) for every event file.
    static func cases() throws -> [(String, String)] {
        var result: [(String, String)] = []
        for family in ["tf1", "tf2", "tensorboardx", "compressed"] {
            let expected = try FixtureLibrary.expected(family)
            for path in (expected["event_files"] as? [String: Any] ?? [:]).keys.sorted()
            where !path.hasSuffix("-tfrecord") {
                result.append((family, path))
            }
        }
        let estimator = try FixtureLibrary.expected("estimator")
        for (_, run) in (estimator["runs"] as? [String: Any] ?? [:]) {
            for path in ((run as? [String: Any])?["event_files"] as? [String: Any] ?? [:]).keys.sorted() {
                result.append(("estimator", path))
            }
        }
        return result
    }

    static func entry(family: String, path: String) throws -> [String: Any] {
        let expected = try FixtureLibrary.expected(family)
        if family == "estimator" {
            for (_, run) in expected["runs"] as? [String: Any] ?? [:] {
                if let entry = ((run as? [String: Any])?["event_files"] as? [String: Any])?[path] as? [String: Any] {
                    return entry
                }
            }
        }
        return (expected["event_files"] as? [String: Any])?[path] as? [String: Any] ?? [:]
    }

    @Test("every fixture file", arguments: try cases())
    func fixtureFile(family: String, path: String) throws {
        let entry = try Self.entry(family: family, path: path)
        let observed = try ObservedFile(path: FixtureLibrary.path(family + "/" + path))
        #expect(observed.errors.isEmpty, "unexpected errors: \(observed.errors)")
        #expect(observed.endState == .clean(offset: (entry["size_bytes"] as? Int64).map(Int.init) ?? -1))

        let iterator = entry["summary_iterator"] as? [String: Any] ?? entry
        let expectedCount = (iterator["events_yielded"] as? Int64).map(Int.init)
        #expect(observed.kinds.count == expectedCount)
        if let kinds = iterator["kinds"] as? [String] { #expect(observed.kinds == kinds) }
        if let steps = (iterator["steps"] as? [Any])?.compactMap(FixtureLibrary.int64) {
            #expect(observed.steps == steps)
        }
        if let records = (entry["num_records"] as? Int64).map(Int.init) { #expect(observed.kinds.count == records) }

        let expected = expectedScalars(entry["scalars"])
        #expect(!expected.isEmpty)
        #expect(Set(observed.scalars.keys) == Set(expected.keys))
        for (tag, points) in expected {
            #expect(observed.scalars[tag] == points, "tag \(tag)")
        }
    }

    @Test("scalar encodings are reported per writer")
    func encodings() throws {
        let tf1 = try ObservedFile(path: FixtureLibrary.path("tf1/graph_mode/events.out.tfevents.1795433718.vm"))
        #expect(tf1.encodings["loss"] == ["simple_value"])
        let tf2 = try ObservedFile(path: FixtureLibrary.path("tf2/basic/events.out.tfevents.1795433651.vm.11589.0.v2"))
        #expect(tf2.encodings["loss"] == ["tensor:DT_FLOAT+content"])
        #expect(tf2.encodings["precise/f64"] == ["tensor:DT_DOUBLE+content"])
        let tbx = try ObservedFile(path: FixtureLibrary.path("tensorboardx/run1/events.out.tfevents.1795437972.vm"))
        #expect(tbx.encodings["loss"] == ["simple_value"])
    }

    @Test("records sit at the offsets the real reader reported")
    func recordOffsets() throws {
        for family in ["tensorboardx", "compressed"] {
            let expected = try FixtureLibrary.expected(family)
            for (path, value) in expected["event_files"] as? [String: Any] ?? [:] {
                guard let records = ((value as? [String: Any])?["records"] as? [Any])?.compactMap({ ($0 as? [Any])?.compactMap { ($0 as? Int64).map(Int.init) } }) else { continue }
                var reader = try RecordReader(path: FixtureLibrary.path(family + "/" + path))
                var seen: [[Int]] = []
                while let record = try reader.next() { seen.append([record.offset, record.payloadLength]) }
                #expect(seen == records, "\(family)/\(path)")
            }
        }
    }
}
