import Foundation
import Testing
import TFEvents
import TFEventsSynthetic
import TFEventsTestSupport

/// The first `tfevents best` of a large directory does not pay for an
/// index build: it reads the files directly and leaves the cache alone,
/// unless asked (`--build-index`); `TFEVENTS_NO_INDEX` keeps every command
/// away from the cache.
@Suite("tfevents best: the index only when it is cheap")
struct BestIndexCostTests {
    static func indexFiles(in cache: String) -> [String] {
        let found = FileManager.default.enumerator(atPath: cache)?.allObjects as? [String] ?? []
        return found.filter { $0.hasSuffix(".tfindex") }
    }

    @Test("a 20 MiB eval log: no index on the first look, the --no-index answer; --build-index builds one that later looks use")
    func largeDirectory() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        try FileManager.default.createDirectory(atPath: model + "/eval", withIntermediateDirectories: true)
        _ = try EvalLogGenerator.writeFile(path: model + "/eval/events.out.tfevents.1.host", seed: 9, limit: .bytes(20 << 20))
        let cache = scratch.path + "/cache"
        let environment = ["XDG_CACHE_HOME": cache]
        let arguments = ["best", model, "--format", "json"]

        let direct = try CLIRunner.run(arguments + ["--no-index"], environment: environment)
        #expect(direct.status == 0, "\(direct.stderr)")
        let first = try CLIRunner.run(arguments, environment: environment)
        #expect(first.status == 0 && first.stdout == direct.stdout, "\(first.stderr)")
        #expect(Self.indexFiles(in: cache).isEmpty, "the first look built an index: \(Self.indexFiles(in: cache))")
        #expect(!FileManager.default.fileExists(atPath: cache), "the first look created the cache directory")

        let building = try CLIRunner.run(arguments + ["--build-index"], environment: environment)
        #expect(building.status == 0 && building.stdout == direct.stdout, "\(building.stderr)")
        let built = Self.indexFiles(in: cache)
        #expect(built.count == 1)

        // A small append: the default look updates and uses the index
        // (the index file grows by the appended chunk).
        let indexPath = cache + "/" + (built.first ?? "")
        let before = try #require(FileManager.default.attributesOfItem(atPath: indexPath)[.size] as? Int)
        _ = try EvalLogGenerator.writeFile(path: model + "/eval/events.out.tfevents.2.host", seed: 10, limit: .bytes(256 << 10))
        let later = try CLIRunner.run(arguments, environment: environment)
        let laterDirect = try CLIRunner.run(arguments + ["--no-index"], environment: environment)
        #expect(later.status == 0 && later.stdout == laterDirect.stdout, "\(later.stderr)")
        let after = try #require(FileManager.default.attributesOfItem(atPath: indexPath)[.size] as? Int)
        #expect(after > before, "the cheap update was not made (\(before) -> \(after) bytes)")

        #expect(try CLIRunner.run(arguments + ["--no-index", "--build-index"]).status == 2)
    }

    @Test("TFEVENTS_NO_INDEX=1: best and scalars on a small directory leave no index; without it they build one")
    func environmentSwitch() throws {
        let scratch = ScratchDirectory()
        let cache = scratch.path + "/cache"
        let model = CLIRunner.fixture("estimator/loss_best")
        for (value, expectIndex) in [("1", false), ("0", true)] {
            try? FileManager.default.removeItem(atPath: cache)
            let environment = ["XDG_CACHE_HOME": cache, "TFEVENTS_NO_INDEX": value]
            let best = try CLIRunner.run(["best", model, "--format", "json"], environment: environment)
            let scalars = try CLIRunner.run(["scalars", model + "/eval"], environment: environment)
            #expect(best.status == 0 && scalars.status == 0, "\(best.stderr) \(scalars.stderr)")
            #expect(Self.indexFiles(in: cache).count == (expectIndex ? 2 : 0),
                    "TFEVENTS_NO_INDEX=\(value): \(Self.indexFiles(in: cache))")
        }
    }
}
