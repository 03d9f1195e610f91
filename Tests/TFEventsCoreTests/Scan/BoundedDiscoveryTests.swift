import Foundation
import Testing
@testable import TFEventsCore
import TFEventsTestSupport

/// ``EventFileDiscovery/expand(_:limit:)``: a walk that stops once it has
/// found more files or bytes than asked lists what a full walk lists first,
/// in the same order, and adds their sizes up exactly.
@Suite("Event file discovery with a limit")
struct BoundedDiscoveryTests {
    /// 6 runs of 5 event files (sizes 10, 20, ... bytes), one nested run,
    /// and files that are not event files.
    static func tree() throws -> ScratchDirectory {
        let scratch = ScratchDirectory()
        for run in 0 ..< 6 {
            for file in 0 ..< 5 {
                try scratch.write("run_\(run)/events.out.tfevents.\(file).host", [UInt8](repeating: 7, count: 10 * (file + 1)))
            }
            try scratch.write("run_\(run)/notes.txt", [1, 2, 3])
        }
        try scratch.write("run_2/nested/events.out.tfevents.9.host", [UInt8](repeating: 1, count: 1_000))
        return scratch
    }

    @Test("the files found before the limit are the full walk's first ones; sizes add up; no limit reached is the full walk")
    func prefixOfFullWalk() throws {
        let scratch = try Self.tree()
        let full = EventFileDiscovery.expand([scratch.path])
        #expect(full.files.count == 31 && !full.stoppedAtLimit)
        let sizes = try full.files.map { try #require(FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) }
        #expect(full.walkedBytes == sizes.reduce(0, +))
        for files in [0, 1, 4, 5, 12, 30] {
            let bounded = EventFileDiscovery.expand([scratch.path], limit: .init(files: files, bytes: .max))
            #expect(bounded.stoppedAtLimit, "\(files)")
            #expect(bounded.files == Array(full.files.prefix(files + 1)), "\(files)")
            #expect(bounded.walkedBytes == sizes.prefix(files + 1).reduce(0, +))
        }
        // By bytes: stops at the first file that takes the sum past 100.
        let byBytes = EventFileDiscovery.expand([scratch.path], limit: .init(files: .max, bytes: 100))
        #expect(byBytes.stoppedAtLimit && byBytes.walkedBytes > 100)
        #expect(byBytes.walkedBytes - sizes[byBytes.files.count - 1] <= 100)
        #expect(byBytes.files == Array(full.files.prefix(byBytes.files.count)))
        // A limit never reached: the full walk.
        let loose = EventFileDiscovery.expand([scratch.path], limit: .init(files: 31, bytes: .max))
        #expect(!loose.stoppedAtLimit && loose.files == full.files && loose.walkedBytes == full.walkedBytes)
    }

    @Test("only the files the limit accepts are listed and counted")
    func accepts() throws {
        let scratch = try Self.tree()
        let full = EventFileDiscovery.expand([scratch.path])
        let inRun3 = full.files.filter { $0.contains("/run_3/") }
        let limit = EventFileDiscovery.Limit(files: 3, bytes: .max, accepts: { $0.contains("/run_3/") })
        let bounded = EventFileDiscovery.expand([scratch.path], limit: limit)
        #expect(bounded.stoppedAtLimit && bounded.files == Array(inRun3.prefix(4)))
        var all = limit
        all.files = 100
        let complete = EventFileDiscovery.expand([scratch.path], limit: all)
        #expect(!complete.stoppedAtLimit && complete.files == inRun3)
    }
}
