@testable import TFEventsSystem
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport


/// Every scalar point of a log directory read directly (no index), keyed
/// by relative file path, in file order.
package func directScan(_ logdir: String) -> [String: [String]] {
    var result: [String: [String]] = [:]
    for relative in LogdirDiscovery.eventFiles(in: logdir).files {
        var lines: [String] = []
        _ = FileScanner().scan(path: logdir + "/" + relative) { point in
            lines.append("\(point.tag) \(point.step) \(point.wallTime.bitPattern) \(point.scalar.value.bitPattern)")
        }
        result[relative] = lines
    }
    return result
}

/// The same from the index.
package func indexedScan(_ index: LogdirIndex) throws -> [String: [String]] {
    var result: [String: [String]] = [:]
    for file in index.files { result[file.relativePath] = [] }
    try index.forEachScalar { file, tag, step, wallTime, value in
        result[file.relativePath, default: []].append("\(tag) \(step) \(wallTime.bitPattern) \(value.bitPattern)")
    }
    return result
}

