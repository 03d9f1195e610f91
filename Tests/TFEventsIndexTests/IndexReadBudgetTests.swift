import Foundation
import Testing
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// ``IndexOptions/maximumReadFraction``: an update that would read too much
/// of the directory reads and writes nothing, so a caller can read the
/// files directly instead of paying for a build first.
@Suite("Index read budget")
struct IndexReadBudgetTests {
    static func options(fraction: Double?) -> IndexOptions {
        var options = IndexOptions()
        options.maximumReadFraction = fraction
        options.cheapUpdateBytes = 64 << 10  // small files in the test
        return options
    }

    static func size(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    @Test("a first build over the budget is declined and writes no index; a small append is made")
    func budget() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/logs"
        try FileManager.default.createDirectory(atPath: logdir, withIntermediateDirectories: true)
        let first = logdir + "/events.out.tfevents.1.a"
        _ = try EvalLogGenerator.writeFile(path: first, seed: 3, limit: .bytes(1 << 20))
        let indexPath = scratch.path + "/index"

        // First look with a budget: everything would be read, so nothing is.
        let declined = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: Self.options(fraction: 0.125)).update()
        #expect(declined.declined)
        let firstSize = try Self.size(first)
        #expect(declined.bytesRead == 0 && declined.bytesToRead == firstSize)
        #expect(!FileManager.default.fileExists(atPath: indexPath), "a declined update wrote the index")
        #expect(!FileManager.default.fileExists(atPath: indexPath + ".lock"), "a declined first build left a lock file")

        // Built without a budget (as `tfevents index` does).
        let built = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: Self.options(fraction: nil)).update()
        #expect(!built.declined && built.writeMode == .built)

        // A second file of a twentieth of the bytes: within an eighth, made.
        _ = try EvalLogGenerator.writeFile(path: logdir + "/events.out.tfevents.2.a", seed: 4, limit: .bytes(1 << 20 / 20))
        let small = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: Self.options(fraction: 0.125))
        let smallReport = try small.update()
        #expect(!smallReport.declined && smallReport.writeMode == .appended)
        #expect(small.files.count == 2)

        // A third file as large as the rest: over an eighth, declined; the
        // index on disk keeps what it had and a later full update reads
        // only the new file.
        let third = logdir + "/events.out.tfevents.3.a"
        _ = try EvalLogGenerator.writeFile(path: third, seed: 5, limit: .bytes(2 << 20))
        let large = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: Self.options(fraction: 0.125))
        let largeReport = try large.update()
        let thirdSize = try Self.size(third)
        #expect(largeReport.declined && largeReport.bytesToRead == thirdSize)
        #expect(large.files.isEmpty, "a declined update must not hand out a stale index")
        let full = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: Self.options(fraction: nil)).update()
        #expect(full.writeMode == .appended && full.filesRead == 1 && full.bytesRead == thirdSize)

        // Under the always-cheap floor, even a first build is made.
        var generous = Self.options(fraction: 0.125)
        generous.cheapUpdateBytes = 8 << 20
        let floorIndex = scratch.path + "/floor-index"
        let floor = try LogdirIndex(logdir: logdir, indexPath: floorIndex, options: generous).update()
        #expect(!floor.declined && floor.writeMode == .built)

        // ... but not when it spans more files than the floor allows (each
        // file costs a fixed part): few bytes in many files are declined.
        generous.cheapUpdateFiles = 2
        let manyIndex = scratch.path + "/many-index"
        let many = try LogdirIndex(logdir: logdir, indexPath: manyIndex, options: generous).update()
        #expect(many.declined && many.files == 3)
        #expect(!FileManager.default.fileExists(atPath: manyIndex))
        generous.cheapUpdateFiles = 3
        #expect(try !LogdirIndex(logdir: logdir, indexPath: manyIndex, options: generous).update().declined)
    }

    @Test("a first look at more files than a cheap build may read stops walking once it knows, and decides as a full walk would")
    func boundedFirstLook() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/logs"
        for run in 0 ..< 30 {
            try FileManager.default.createDirectory(atPath: logdir + "/run_\(run)", withIntermediateDirectories: true)
            for file in 0 ..< 2 {
                _ = try EvalLogGenerator.writeFile(path: logdir + "/run_\(run)/events.out.tfevents.\(file).a", seed: UInt64(run * 2 + file),
                                                   limit: .bytes(2 << 10))
            }
        }
        var options = Self.options(fraction: 0.125)
        options.cheapUpdateFiles = 10
        let indexPath = scratch.path + "/index"
        let declined = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: options).update()
        // It stopped at the eleventh file: more than a cheap build may read.
        #expect(declined.declined && declined.files == 11)
        #expect(declined.bytesToRead > 0 && declined.bytesToRead < 11 * (4 << 10))
        #expect(!FileManager.default.fileExists(atPath: indexPath))
        // Restricted to three runs (6 files): cheap, so built.
        var some = options
        some.include = { $0.hasPrefix("run_1/") || $0.hasPrefix("run_2/") || $0.hasPrefix("run_3/") }
        let built = try LogdirIndex(logdir: logdir, indexPath: scratch.path + "/some-index", options: some).update()
        #expect(!built.declined && built.writeMode == .built && built.filesRead == 6)

        // Many files, all empty: the bounded walk cannot tell (nothing to
        // read is not over any budget), so the whole directory decides, as
        // before: a build of nothing is cheap.
        let empty = scratch.path + "/empty"
        for run in 0 ..< 20 { try scratch.write("empty/run_\(run)/events.out.tfevents.1.a", []) }
        let emptyBuild = try LogdirIndex(logdir: empty, indexPath: scratch.path + "/empty-index", options: options).update()
        #expect(!emptyBuild.declined && emptyBuild.writeMode == .built)
    }
}
