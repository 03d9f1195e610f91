import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("SavedModel global_step")
struct SavedModelStepTests {
    /// Every surviving export of the real Estimator runs, with the step
    /// TensorFlow itself read back from the SavedModel (expected.json).
    static func expectedSteps() throws -> [(path: String, step: Int64)] {
        let expected = try FixtureLibrary.expected("estimator")
        let runs = try #require(expected["runs"] as? [String: Any])
        var result: [(String, Int64)] = []
        for (name, value) in runs {
            let run = try #require(value as? [String: Any])
            let surviving = try #require(run["exports_surviving"] as? [String: Any])
            for (exporter, list) in surviving {
                for item in try #require(list as? [[String: Any]]) {
                    let directory = try #require(item["timestamp_dir"] as? String)
                    let step = try #require(FixtureLibrary.int64(item["global_step_in_savedmodel"] as Any))
                    result.append((FixtureLibrary.path("estimator/\(name)/export/\(exporter)/\(directory)"), step))
                }
            }
        }
        return result
    }

    @Test("the step of every export TensorFlow wrote, as TensorFlow reads it")
    func realExports() throws {
        let expected = try Self.expectedSteps()
        #expect(expected.count == 6)
        for (path, step) in expected {
            #expect(SavedModelStep.read(exportDirectory: path) == step, "\(path)")
        }
    }

    @Test("a damaged index or data shard gives the right step or nil, never a wrong one")
    func damageNeverLies() throws {
        let (path, step) = try #require(try Self.expectedSteps().first)
        let index = fixtureBytes(String(path.dropFirst(FixtureLibrary.root.count + 1)) + "/variables/variables.index")
        let dataName = try #require(try FileManager.default.contentsOfDirectory(atPath: path + "/variables")
            .first { $0.hasPrefix("variables.data-") })
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/variables/" + dataName)))
        let entry = try #require(SavedModelStep.entry(named: "global_step", inTable: index))
        #expect(SavedModelStep.value(of: entry, in: data) == step)
        for position in index.indices {
            for bit in [0, 3, 7] {
                var damaged = index
                damaged[position] ^= 1 << bit
                let answer = SavedModelStep.entry(named: "global_step", inTable: damaged)
                    .flatMap { SavedModelStep.value(of: $0, in: data) }
                #expect(answer == nil || answer == step, "index byte \(position) bit \(bit)")
            }
        }
        for position in data.indices {
            var damaged = data
            damaged[position] ^= 0x10
            let answer = SavedModelStep.value(of: entry, in: damaged)
            #expect(answer == nil || answer == step, "data byte \(position)")
        }
        #expect(SavedModelStep.entry(named: "global_step", inTable: Array(index.prefix(40))) == nil)
        #expect(SavedModelStep.read(exportDirectory: FixtureLibrary.path("estimator/loss_best")) == nil)
    }
}
