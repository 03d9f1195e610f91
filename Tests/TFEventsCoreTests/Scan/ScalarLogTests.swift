import Testing
@testable import TFEventsCore
import TFEventsTestSupport

/// `ScalarLog`, the short way to the numbers, gives what the real readers
/// reported, whole directories at once, and keeps what surrounds damage.
@Suite("ScalarLog")
struct ScalarLogTests {
    @Test("a file reads to the points TensorFlow's reader reported, bit for bit")
    func realWriterFile() throws {
        let relative = "tf2/basic/events.out.tfevents.1795433651.vm.11589.0.v2"
        let entry = (try FixtureLibrary.expected("tf2")["event_files"] as? [String: Any])?["basic/events.out.tfevents.1795433651.vm.11589.0.v2"] as? [String: Any]
        let expected = expectedScalars(try #require(entry)["scalars"])
        #expect(!expected.isEmpty)

        let log = try ScalarLog(reading: FixtureLibrary.path(relative))
        #expect(log.files.count == 1 && !log.files[0].hasCorruption)
        var observed: [String: [ExactPoint]] = [:]
        for point in log.points {
            #expect(point.path == FixtureLibrary.path(relative))
            observed[point.tag, default: []].append(ExactPoint(step: point.step, wallTime: point.wallTime, value: point.value))
        }
        #expect(observed == expected)
        #expect(log.points(tag: "loss").map(\.step) == expected["loss"]?.map(\.step))
        #expect(log.points(tag: "precise/f64").allSatisfy { $0.encoding == .tensor(.double, fromContent: true) })
    }

    @Test("a directory reads every event file below it, in path order, and the tag filter applies")
    func directory() throws {
        let all = try ScalarLog(reading: FixtureLibrary.path("tensorboardx"))
        #expect(all.files.count >= 2)
        #expect(all.files.map(\.path) == all.files.map(\.path).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(all.points.count == all.files.reduce(0) { $0 + $1.scalarPoints })
        let losses = try ScalarLog(reading: FixtureLibrary.path("tensorboardx"), tags: { $0 == "loss" })
        #expect(!losses.points.isEmpty)
        #expect(losses.points == all.points.filter { $0.tag == "loss" })
    }

    @Test("damage is skipped with its offset; the points around it are kept")
    func damage() throws {
        let clean = try ScalarLog(reading: FixtureLibrary.path("tf1/graph_mode/events.out.tfevents.1795433718.vm"))
        let damaged = try ScalarLog(reading: FixtureLibrary.path("corrupt/events.out.tfevents.payload_bitflip"))
        #expect(damaged.files[0].hasCorruption)
        #expect(damaged.files[0].issues.map(\.offset) == [6227])
        #expect(damaged.points(tag: "loss").count == 14)
        // Every point that survived is a point of the undamaged file.
        let cleanLoss = clean.points(tag: "loss").map(\.step)
        #expect(Set(damaged.points(tag: "loss").map(\.step)).isSubset(of: Set(cleanLoss)))
        #expect(cleanLoss.count == 15)
    }

    @Test("a missing path throws, naming it")
    func missing() {
        #expect(throws: EventFileDiscovery.Failure.self) { try ScalarLog(reading: "/nonexistent/logs") }
        do {
            _ = try ScalarLog(reading: "/nonexistent/logs")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/logs: "))
        }
    }
}
