import Foundation
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import TFEventsSystem

/// Locates the bundled `Fixtures/` directory and reads its expected.json files.
package enum FixtureLibrary {
    /// `<package root>/Fixtures`, found from this source file.
    package static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("Fixtures")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("README.md").path) {
                return candidate.path
            }
        }
        return "Fixtures"
    }()

    package static func path(_ relative: String) -> String { root + "/" + relative }

    /// Parses `Fixtures/<family>/expected.json`.
    package static func expected(_ family: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(family + "/expected.json")))
        guard let object = try ExactJSON.parse(Array(data)) as? [String: Any] else {
            throw FixtureError.malformed(family)
        }
        return object
    }

    package enum FixtureError: Error { case malformed(String) }

    /// A JSON number or the strings "NaN", "Infinity", "-Infinity" as a Double.
    package static func double(_ value: Any) -> Double? {
        if let string = value as? String {
            switch string {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return nil
            }
        }
        if let integer = value as? Int64 { return Double(integer) }
        return value as? Double
    }

    /// A JSON integer as Int64.
    package static func int64(_ value: Any) -> Int64? {
        value as? Int64
    }
}

/// One scalar point as (step, wall_time bits, value bits), comparable bit for bit.
package struct ExactPoint: Equatable, CustomStringConvertible {
    package var step: Int64
    package var wallTime: Double
    package var value: Double

    package static func == (a: ExactPoint, b: ExactPoint) -> Bool {
        a.step == b.step && a.wallTime.bitPattern == b.wallTime.bitPattern
            && (a.value.bitPattern == b.value.bitPattern || (a.value.isNaN && b.value.isNaN))
    }

    package var description: String { "[\(step), \(wallTime), \(value)]" }

    /// Parses `[step, wall_time, value]`.
    package init?(json: Any) {
        guard let triple = json as? [Any], triple.count == 3,
              let step = FixtureLibrary.int64(triple[0]),
              let wallTime = FixtureLibrary.double(triple[1]),
              let value = FixtureLibrary.double(triple[2]) else { return nil }
        self.init(step: step, wallTime: wallTime, value: value)
    }

    package init(step: Int64, wallTime: Double, value: Double) {
        self.step = step
        self.wallTime = wallTime
        self.value = value
    }
}

/// What our reader sees in one file: event kinds and steps, scalars per tag.
package struct ObservedFile {
    package var kinds: [String] = []
    package var steps: [Int64] = []
    package var scalars: [String: [ExactPoint]] = [:]
    package var encodings: [String: Set<String>] = [:]
    package var errors: [ReadEventError] = []
    package var endState: RecordReader.EndState = .reading

    /// Reads every event of `path` with `options`.
    package init(path: String, options: RecordReaderOptions = .init()) throws {
        var reader = try EventFileReader(path: path, options: options)
        while true {
            do {
                guard let event = try reader.next() else { break }
                kinds.append(event.kind.description)
                steps.append(event.step)
                var values = event.summaryValues()
                while let value = try values.next() {
                    if let scalar = try value.scalar() {
                        scalars[value.tag, default: []].append(
                            ExactPoint(step: event.step, wallTime: event.wallTime, value: scalar.value))
                        encodings[value.tag, default: []].insert(scalar.encoding.description)
                    }
                }
            } catch let error as ReadEventError {
                errors.append(error)
                if !error.isResumable { break }
            }
        }
        endState = reader.endState
    }
}

/// Parses a `scalars` object whose values are either point lists or
/// `{dtype, points}` objects.
package func expectedScalars(_ object: Any?) -> [String: [ExactPoint]] {
    guard let dictionary = object as? [String: Any] else { return [:] }
    var result: [String: [ExactPoint]] = [:]
    for (tag, entry) in dictionary {
        let points = (entry as? [String: Any])?["points"] ?? entry
        result[tag] = ((points as? [Any]) ?? []).compactMap(ExactPoint.init(json:))
    }
    return result
}
