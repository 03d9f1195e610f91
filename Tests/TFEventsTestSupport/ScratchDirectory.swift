import Foundation
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import TFEventsSystem

/// A scratch log directory, removed at the end of the test.
package final class ScratchDirectory {
    package let path: String

    package init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    package func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    package func append(_ relative: String, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/" + relative))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    package func copyFixtures(_ relative: String) throws {
        try FileManager.default.copyItem(atPath: FixtureLibrary.path(relative), toPath: path + "/" + relative.split(separator: "/").last!)
    }
}

package func fixtureBytes(_ relative: String) -> [UInt8] {
    (try? Array(Data(contentsOf: URL(fileURLWithPath: FixtureLibrary.path(relative))))) ?? []
}
