import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("Log directory index")
struct LogdirIndexTests {
    @Test("index contents equal a fresh full scan on every fixture directory",
          arguments: ["tf1", "tf2", "tensorboardx", "estimator", "corrupt", "compressed"])
    func equalsFreshScan(directory: String) throws {
        let scratch = ScratchDirectory()
        let index = try LogdirIndex(logdir: FixtureLibrary.path(directory), indexPath: scratch.path + "/index")
        let report = try index.update()
        #expect(report.writeMode == .built)
        #expect(try indexedScan(index) == directScan(FixtureLibrary.path(directory)))

        // The stored file answers the same after a reload, and a second
        // update reads nothing.
        let again = try LogdirIndex(logdir: FixtureLibrary.path(directory), indexPath: scratch.path + "/index")
        let second = try again.update()
        #expect(second.bytesRead == 0)
        #expect(second.writeMode == .unchanged || !second.problems.isEmpty)
        #expect(try indexedScan(again) == directScan(FixtureLibrary.path(directory)))
    }

    @Test("runs, tags, metadata and non-scalar points of tf2/basic")
    func tagsAndBlobs() throws {
        let scratch = ScratchDirectory()
        let index = try LogdirIndex(logdir: FixtureLibrary.path("tf2"), indexPath: scratch.path + "/index")
        try index.update()
        #expect(index.runs == ["basic", "multi_file"])
        let tags = index.tags(run: "basic")
        let byName = Dictionary(uniqueKeysWithValues: tags.map { ($0.name, $0) })
        #expect(byName["loss"]?.scalarCount == 12)
        #expect(byName["loss"]?.pluginName == "scalars")
        #expect(byName["weights"]?.blobCount == 3)
        #expect(byName["weights"]?.pluginName == "histograms")
        #expect(byName["notes"]?.pluginName == "text")
        #expect(byName["sample"]?.pluginName == "images")
        #expect(byName["sample"]?.blobCount == 1)

        // A non-scalar point can be read back from its location.
        let images = try index.blobs(run: "basic", tag: "sample")
        let image = try #require(images.first)
        #expect(image.kind == .tensor)
        let payload = try LogdirIndex.readEvent(at: image)
        #expect(payload.count + 16 == image.recordLength)
        let event = try EventView(payload: payload.rawSpan, recordOffset: image.recordOffset)
        #expect(event.step == image.step)
        #expect(event.kind == .summary)

        // Series per tag, files in order (multi_file has three files, the
        // second restarting at step 5).
        let loss = try index.scalars(run: "multi_file", tag: "loss")
        #expect(loss.steps == Array(0 ... 9) + Array(5 ... 19))
        let purged = try index.scalars(run: "multi_file", tag: "loss", purge: .stepRegression)
        #expect(purged.steps == Array(0 ... 4) + Array(5 ... 19))
    }

    @Test("appending, truncating, replacing and deleting between updates equals a fresh index")
    func incremental() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/logs"
        let source = fixtureBytes("tf1/graph_mode/events.out.tfevents.1795433718.vm")
        let other = fixtureBytes("tensorboardx/run1/events.out.tfevents.1795437972.vm")
        // Record boundaries of the source (from corrupt/expected.json).
        let boundaries = [0, 78, 967, 2358, 2387, 3055, 3693, 4283, 4889, 5559, 5621, 6227, 6865, 7551,
                          8125, 8763, 8825, 9479, 10101, 10787, 11393, 12095, 12158, 12189]
        try scratch.write("logs/a/events.out.tfevents.1", Array(source.prefix(boundaries[5])))
        try scratch.write("logs/b/events.out.tfevents.2", other)
        try scratch.write("logs/c/events.out.tfevents.3", other)
        let indexPath = scratch.path + "/index"

        func check(_ label: String) throws -> IndexUpdateReport {
            let index = try LogdirIndex(logdir: logdir, indexPath: indexPath)
            let report = try index.update()
            #expect(try indexedScan(index) == directScan(logdir), "\(label)")
            let fresh = try LogdirIndex(logdir: logdir, indexPath: scratch.path + "/fresh-\(label)")
            try fresh.update()
            #expect(try indexedScan(fresh) == indexedScan(index), "\(label)")
            #expect(fresh.files.map(\.validEnd) == index.files.map(\.validEnd), "\(label)")
            return report
        }

        _ = try check("initial")
        // Append whole records and half a record: only the new bytes are read.
        try scratch.append("logs/a/events.out.tfevents.1", Array(source[boundaries[5] ..< boundaries[12] + 7]))
        var report = try check("append")
        #expect(report.bytesRead == boundaries[12] + 7 - boundaries[5])
        #expect(report.writeMode == .appended)
        // Complete the half record and more.
        try scratch.append("logs/a/events.out.tfevents.1", Array(source[(boundaries[12] + 7)...]))
        report = try check("complete")
        #expect(report.bytesRead == source.count - boundaries[12])
        // Truncate (shrink): read again from the start.
        try scratch.write("logs/a/events.out.tfevents.1", Array(source.prefix(boundaries[3])))
        report = try check("truncate")
        #expect(report.filesReadFromStart == 1)
        // Replace (new inode, same size): read from the start.
        try FileManager.default.removeItem(atPath: logdir + "/b/events.out.tfevents.2")
        try scratch.write("logs/b/events.out.tfevents.2", Array(source.prefix(other.count)))
        report = try check("replace")
        #expect(report.filesReadFromStart == 1)
        // Delete: the file leaves the index.
        try FileManager.default.removeItem(atPath: logdir + "/c/events.out.tfevents.3")
        report = try check("delete")
        #expect(report.filesRemoved == 1)
        #expect(report.bytesRead == 0)
    }

    @Test("a damaged, truncated or foreign index file is detected and rebuilt")
    func damagedIndex() throws {
        let scratch = ScratchDirectory()
        let indexPath = scratch.path + "/index"
        let logdir = FixtureLibrary.path("tf1")
        let index = try LogdirIndex(logdir: logdir, indexPath: indexPath)
        try index.update()
        let good = try Array(Data(contentsOf: URL(fileURLWithPath: indexPath)))
        let expected = try indexedScan(index)

        var damages: [(String, [UInt8])] = [
            ("bit flip", { var b = good; b[b.count / 2] ^= 0x10; return b }()),
            ("truncated", Array(good.prefix(good.count - 40))),
            ("empty", []),
            ("garbage", Array(repeating: 0x41, count: 300)),
            ("old version", { var b = good; b[8] = 0; return b }()),
        ]
        damages.append(("header only", Array(good.prefix(16))))
        for (label, bytes) in damages {
            try Data(bytes).write(to: URL(fileURLWithPath: indexPath))
            let reopened = try LogdirIndex(logdir: logdir, indexPath: indexPath)
            var report: IndexUpdateReport
            do {
                report = try reopened.update()
                // A flip inside a chunk is only seen when the chunk is read.
                if report.rebuildReason == nil { _ = try indexedScan(reopened) }
            } catch let error as IndexError where error.isRebuildable {
                report = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: {
                    var options = IndexOptions()
                    options.rebuild = true
                    return options
                }()).update()
            }
            let final = try LogdirIndex(logdir: logdir, indexPath: indexPath)
            try final.update()
            #expect(try indexedScan(final) == expected, "\(label)")
        }
    }

    @Test("TensorBoard's restart purge matches its EventAccumulator on every fixture run")
    func purge() throws {
        for family in ["tf1", "tf2", "estimator"] {
            let scratch = ScratchDirectory()
            let index = try LogdirIndex(logdir: FixtureLibrary.path(family), indexPath: scratch.path + "/index")
            try index.update()
            var accumulators = try FixtureLibrary.expected(family)["accumulator_scalars"] as? [String: Any] ?? [:]
            if family == "estimator" {
                accumulators = [:]
                for (_, run) in try FixtureLibrary.expected(family)["runs"] as? [String: Any] ?? [:] {
                    for (name, value) in (run as? [String: Any])?["accumulator_scalars"] as? [String: Any] ?? [:] {
                        accumulators[name] = value
                    }
                }
            }
            #expect(!accumulators.isEmpty)
            for (run, value) in accumulators {
                let tags = expectedScalars(value)
                #expect(!tags.isEmpty)
                for (tag, points) in tags {
                    let series = try index.scalars(run: run, tag: tag, purge: .sessionStart)
                    let got = (0 ..< series.count).map {
                        ExactPoint(step: series.steps[$0], wallTime: series.wallTimes[$0], value: series.values[$0])
                    }
                    #expect(got == points, "\(family) \(run)/\(tag)")
                }
            }
        }
        let scratch = ScratchDirectory()
        let index = try LogdirIndex(logdir: FixtureLibrary.path("tf1"), indexPath: scratch.path + "/index")
        try index.update()
        for run in ["restart"] {
            #expect(try index.scalars(run: run, tag: "loss", purge: .sessionStart).count == 12)
        }
        // The raw points are always kept.
        #expect(try index.scalars(run: "restart", tag: "loss").count == 21)
    }
}
