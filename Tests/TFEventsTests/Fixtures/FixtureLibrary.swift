import Foundation
@testable import TFEvents

/// Locates the bundled `Fixtures/` directory and reads its expected.json files.
enum FixtureLibrary {
    /// `<package root>/Fixtures`, found from this source file.
    static let root: String = {
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

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// Parses `Fixtures/<family>/expected.json`.
    static func expected(_ family: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(family + "/expected.json")))
        guard let object = try ExactJSON.parse(Array(data)) as? [String: Any] else {
            throw FixtureError.malformed(family)
        }
        return object
    }

    enum FixtureError: Error { case malformed(String) }

    /// A JSON number or the strings "NaN", "Infinity", "-Infinity" as a Double.
    static func double(_ value: Any) -> Double? {
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
    static func int64(_ value: Any) -> Int64? {
        value as? Int64
    }
}

/// One scalar point as (step, wall_time bits, value bits), comparable bit for bit.
struct ExactPoint: Equatable, CustomStringConvertible {
    var step: Int64
    var wallTime: Double
    var value: Double

    static func == (a: ExactPoint, b: ExactPoint) -> Bool {
        a.step == b.step && a.wallTime.bitPattern == b.wallTime.bitPattern
            && (a.value.bitPattern == b.value.bitPattern || (a.value.isNaN && b.value.isNaN))
    }

    var description: String { "[\(step), \(wallTime), \(value)]" }

    /// Parses `[step, wall_time, value]`.
    init?(json: Any) {
        guard let triple = json as? [Any], triple.count == 3,
              let step = FixtureLibrary.int64(triple[0]),
              let wallTime = FixtureLibrary.double(triple[1]),
              let value = FixtureLibrary.double(triple[2]) else { return nil }
        self.init(step: step, wallTime: wallTime, value: value)
    }

    init(step: Int64, wallTime: Double, value: Double) {
        self.step = step
        self.wallTime = wallTime
        self.value = value
    }
}

/// What our reader sees in one file: event kinds and steps, scalars per tag.
struct ObservedFile {
    var kinds: [String] = []
    var steps: [Int64] = []
    var scalars: [String: [ExactPoint]] = [:]
    var encodings: [String: Set<String>] = [:]
    var errors: [ReadEventError] = []
    var endState: RecordReader.EndState = .reading

    /// Reads every event of `path` with `options`.
    init(path: String, options: RecordReaderOptions = .init()) throws {
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
func expectedScalars(_ object: Any?) -> [String: [ExactPoint]] {
    guard let dictionary = object as? [String: Any] else { return [:] }
    var result: [String: [ExactPoint]] = [:]
    for (tag, entry) in dictionary {
        let points = (entry as? [String: Any])?["points"] ?? entry
        result[tag] = ((points as? [Any]) ?? []).compactMap(ExactPoint.init(json:))
    }
    return result
}
