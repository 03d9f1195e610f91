import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsExport
import TFEventsTestSupport
@testable import TFEventsSystem
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic

/// A writer and the `watch` follower at the same time: every complete
/// record is seen exactly once, never a partial one.
@Suite("A writer and the follower at the same time")
struct ConcurrentFollowerTests {
    @Test("the watch follower: appends, half records, rotation and deletion during polls")
    func follower() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        let writer = ScriptedEventWriter(directory: model + "/eval", relativeDirectory: "", tag: "loss", seed: 9,
                                         options: .init(deletes: true, replaces: false))
        var follower = EvalLogFollower(modelDirectory: model)
        var polls = 0
        _ = try raceWriter(writer) {
            let poll = try follower.poll()
            #expect(poll.issues.isEmpty, "\(poll.issues)")
            polls += 1
        }
        _ = try follower.poll()
        let onDisk = writer.onDisk
        var total = 0
        for file in follower.files {
            let name = FilePaths.basename(file.path)
            if let steps = onDisk[name] {
                #expect(file.eventCount == steps.count, "\(name): \(file.eventCount) events read, \(steps.count) written")
            }
            total += file.eventCount
        }
        // Every file on disk was found; each event counted once overall.
        #expect(Set(onDisk.keys).isSubset(of: Set(follower.files.map { FilePaths.basename($0.path) })))
        #expect(follower.tracker.statistics.evaluations == total)
        #expect(polls > 5)
        print("follower: \(writer.operations) writer operations, \(polls) concurrent polls, \(total) evaluations")
    }
}
