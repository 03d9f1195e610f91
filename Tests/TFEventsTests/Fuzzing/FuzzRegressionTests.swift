import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import _TFEventsFuzzing
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem
@_spi(Fuzzing) import _TFEventsFuzzing

/// Replays every input the fuzzers ever found a problem with
/// (`Fixtures/fuzz-regressions/<target>/`, written by `Fuzz/run.sh`), and
/// every seed, through the same entry points the fuzz targets call. An
/// input that traps again fails the test run.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func files(_ directory: String) -> [URL] {
        let url = root.appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { url.appendingPathComponent($0) }
    }

    @Test("every regression input runs clean", arguments: FuzzTarget.allCases)
    func regressions(target: FuzzTarget) throws {
        for file in Self.files("Fixtures/fuzz-regressions/\(target.rawValue)") {
            target.run(Array(try Data(contentsOf: file)))
        }
    }

    @Test("every seed runs clean", arguments: FuzzTarget.allCases)
    func seeds(target: FuzzTarget) throws {
        let seeds = Self.files("Fuzz/Seeds/\(target.rawValue)")
        #expect(!seeds.isEmpty, "no seeds for \(target.rawValue)")
        for file in seeds {
            target.run(Array(try Data(contentsOf: file)))
        }
    }

    @Test("empty and one-byte inputs", arguments: FuzzTarget.allCases)
    func tiny(target: FuzzTarget) {
        target.run([UInt8]())
        for byte in 0 ... 255 { target.run([UInt8(byte)]) }
    }
}
