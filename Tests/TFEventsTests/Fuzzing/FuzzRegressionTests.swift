import Foundation
import Testing
@_spi(Fuzzing) import _TFEventsFuzzing
import TFEventsTestSupport

/// Replays every input the fuzzers ever found a problem with
/// (`Fixtures/fuzz-regressions/<target>/`, written by `Fuzz/run.sh`), and
/// every seed (`Fuzz/Seeds/<target>/`), through the same entry points the
/// fuzz targets call.
///
/// Each target's inputs run in a child process (an exit test): an input
/// that traps fails its target's test, naming the target, instead of
/// taking the whole test run down. A directory that is missing fails too,
/// so a wrong path can never replay zero inputs and pass.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// The repository root (the parent of `Fixtures/`).
    static let root = URL(fileURLWithPath: FixtureLibrary.root).deletingLastPathComponent()

    /// The files of `directory` (relative to the root), sorted; nil when
    /// the directory does not exist.
    static func files(_ directory: String) -> [URL]? {
        let url = root.appendingPathComponent(directory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return nil }
        return names.sorted().filter { !$0.hasPrefix(".") }.map { url.appendingPathComponent($0) }
    }

    /// The targets with regression inputs on disk (the others never had a
    /// finding).
    static let targetsWithFindings: [FuzzTarget] = FuzzTarget.allCases.filter {
        !(files("Fixtures/fuzz-regressions/\($0.rawValue)") ?? []).isEmpty
    }

    @Test("the regression directory exists and holds the findings of three targets")
    func layout() {
        #expect(Self.files("Fixtures/fuzz-regressions") != nil)
        #expect(Set(Self.targetsWithFindings) == [.checkpoint, .indexFile, .zstd])
    }

    @Test("every regression input runs clean", arguments: targetsWithFindings)
    func regressions(target: FuzzTarget) async throws {
        let inputs = try #require(Self.files("Fixtures/fuzz-regressions/\(target.rawValue)")).map {
            Array(try Data(contentsOf: $0))
        }
        #expect(!inputs.isEmpty)
        let name = target.rawValue
        await #expect(processExitsWith: .success, "a regression input of \(name) traps") {
            [name = name as String, inputs = inputs as [[UInt8]]] in
            for input in inputs { FuzzTarget(rawValue: name)?.run(input) }
        }
    }

    @Test("every seed runs clean", arguments: FuzzTarget.allCases)
    func seeds(target: FuzzTarget) async throws {
        let seeds = try #require(Self.files("Fuzz/Seeds/\(target.rawValue)"), "no seed directory for \(target.rawValue)")
        #expect(!seeds.isEmpty, "no seeds for \(target.rawValue)")
        let inputs = try seeds.map { Array(try Data(contentsOf: $0)) }
        let name = target.rawValue
        await #expect(processExitsWith: .success, "a seed of \(name) traps") {
            [name = name as String, inputs = inputs as [[UInt8]]] in
            for input in inputs { FuzzTarget(rawValue: name)?.run(input) }
        }
    }

    @Test("empty and one-byte inputs", arguments: FuzzTarget.allCases)
    func tiny(target: FuzzTarget) async {
        let name = target.rawValue
        await #expect(processExitsWith: .success, "a tiny input of \(name) traps") { [name = name as String] in
            let target = FuzzTarget(rawValue: name)
            target?.run([UInt8]())
            for byte in 0 ... 255 { target?.run([UInt8(byte)]) }
        }
    }

    @Test("a trapping input fails its test instead of the run")
    func trapsAreCaught() async {
        await #expect(processExitsWith: .failure) {
            precondition(Bool(false), "a harness invariant broken on purpose")
        }
    }
}
