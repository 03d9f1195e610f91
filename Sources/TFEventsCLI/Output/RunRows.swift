import TFEvents

/// The records of `tfevents runs`: one per row of a ``RunTable``, the same
/// fields in every format.
struct RunRows {
    let table: RunTable
    let checkpoints: [String: String]

    /// Fixed columns a hyperparameter must not shadow.
    private static let reserved: Set<String> = ["run", "session", "group", "status", "first_step", "last_step",
                                                "first_wall_time", "last_wall_time", "runs", "checkpoint"]

    var records: [OutputRecord] {
        let hparams = table.hparamNames
        let hasSessions = table.rows.contains { $0.start != nil }
        return table.rows.map { row in
            var fields: [(String, OutputValue)] = [("run", .string(row.name))]
            if hasSessions {
                fields.append(("status", row.status.map { .string($0.description) } ?? .null))
                fields.append(("group", row.start.map { .string($0.groupName) } ?? .null))
            }
            for name in hparams {
                let column = Self.reserved.contains(name) ? "hparams/" + name : name
                fields.append((column, row.start?.value(of: name).map(Self.value) ?? .null))
            }
            for metric in row.metrics {
                fields.append((metric.name + ".best", metric.best.map { .number($0.value) } ?? .null))
                fields.append((metric.name + ".best_step", .optional(metric.best?.step)))
                fields.append((metric.name + ".last", metric.last.map { .number($0.value) } ?? .null))
                fields.append((metric.name + ".last_step", .optional(metric.last?.step)))
            }
            fields.append(("first_step", .optional(row.steps?.lowerBound)))
            fields.append(("last_step", .optional(row.steps?.upperBound)))
            fields.append(("first_wall_time", row.wallTimes.map { .number($0.lowerBound) } ?? .null))
            fields.append(("last_wall_time", row.wallTimes.map { .number($0.upperBound) } ?? .null))
            fields.append(("checkpoint", .optional(checkpoints[row.name])))
            return OutputRecord(fields)
        }
    }

    /// A hyperparameter as an output value: numbers, strings and bools as
    /// themselves, lists and structs as their text.
    static func value(_ value: HParamValue) -> OutputValue {
        switch value {
        case .null: return .null
        case .number(let number): return .number(number)
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        case .list, .object: return .string(value.description)
        }
    }
}
