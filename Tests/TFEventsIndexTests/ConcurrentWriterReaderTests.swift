import Foundation
import Synchronization
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// A writer and a reader at the same time, thousands of operations: every
/// complete record is seen exactly once, never a partial one.
@Suite("A writer and a reader at the same time")
struct ConcurrentWriterReaderTests {
    @Test("the index: appends, half records, rotation, deletion and replacement during updates")
    func index() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/logs"
        let writer = ScriptedEventWriter(directory: logdir + "/run", relativeDirectory: "run", tag: "loss", seed: 7,
                                         options: .init(deletes: true, replaces: true))
        let indexPath = scratch.path + "/index"

        func indexedSteps() throws -> [String: [Int64]] {
            let index = try LogdirIndex(logdir: logdir, indexPath: indexPath)
            _ = try index.update()
            var seen: [String: [Int64]] = [:]
            try index.forEachScalar { file, _, step, _, _ in seen[file.relativePath, default: []].append(step) }
            return seen
        }

        var updates = 0
        let reads = try raceWriter(writer) {
            let seen = try indexedSteps()
            updates += 1
            let ever = writer.everComplete  // taken after the update: a superset of what it could see
            let all = seen.values.flatMap { $0 }
            #expect(Set(all).count == all.count, "a record indexed twice")
            #expect(all.allSatisfy(ever.contains), "a record indexed before it was complete")
        }
        let final = try indexedSteps()
        #expect(final == writer.onDisk.filter { !$0.value.isEmpty }, "the index differs from the files")
        #expect(reads > 5)
        print("index: \(writer.operations) writer operations, \(updates) concurrent updates, \(final.values.map(\.count).reduce(0, +)) records on disk")
    }

}
