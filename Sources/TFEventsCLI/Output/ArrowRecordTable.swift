import TFEvents

/// The records of a command's table (`scan`, `tags`, `exports`, ...) as one
/// Arrow IPC stream: a column per field of the first record, typed from its
/// values (integers int64, numbers float64, booleans bool, strings utf8;
/// lists and nested records as their JSON text), nullable where a record
/// lacks a value; one record batch. These tables have a row per file or
/// tag, so they are held whole; `scalars` streams in bounded batches instead.
struct ArrowRecordTable {
    private var names: [String] = []
    private var rows: [[String: OutputValue]] = []

    mutating func append(_ record: OutputRecord) {
        if names.isEmpty { names = record.fields.map(\.name) }
        var row: [String: OutputValue] = [:]
        for field in record.fields {
            if !names.contains(field.name) { names.append(field.name) }
            row[field.name] = field.value
        }
        rows.append(row)
    }

    /// The column type of `name`: the kind of its first non-null value;
    /// a column mixing kinds (or holding lists and records) is text.
    private func type(of name: String) -> ArrowType {
        var kind: ArrowType?
        for row in rows {
            let value = row[name] ?? .null
            let this: ArrowType
            switch value {
            case .null: continue
            case .integer: this = .int64
            case .number: this = .float64
            case .bool: this = .bool
            case .string, .list, .record: this = .utf8
            }
            if let known = kind, known != this {
                // Integers among numbers stay numbers; anything else is text.
                if Set([known, this]) == Set([ArrowType.int64, .float64]) { kind = .float64; continue }
                return .utf8
            }
            kind = this
        }
        return kind ?? .utf8
    }

    func write(to out: StandardOutput) {
        let types = names.map(type(of:))
        let fields = zip(names, types).map { name, type in
            ArrowField(name, type, nullable: rows.contains { ($0[name] ?? .null).isNull })
        }
        var writer = ArrowStreamWriter(fields: fields) { bytes in bytes.withUnsafeBytes { out.write(bytes: $0) } }
        if !rows.isEmpty {
            var columns: [ArrowColumnData] = []
            for (name, type) in zip(names, types) {
                let values = rows.map { $0[name] ?? .null }
                let valid = values.map { !$0.isNull }
                switch type {
                case .int64: columns.append(.int64(values.map { if case .integer(let v) = $0 { v } else { 0 } }, valid: valid))
                case .float64:
                    columns.append(.float64(values.map {
                        switch $0 {
                        case .number(let v): v
                        case .integer(let v): Double(v)
                        default: 0
                        }
                    }, valid: valid))
                case .bool: columns.append(.bool(values.map { if case .bool(let v) = $0 { v } else { false } }, valid: valid))
                default:
                    columns.append(.utf8(values.map {
                        switch $0 {
                        case .string(let text): text
                        case .null: ""
                        default: $0.json
                        }
                    }, valid: valid))
                }
            }
            writer.writeBatch(length: rows.count, columns: columns)
        }
        writer.finish()
    }
}

extension OutputValue {
    var isNull: Bool { if case .null = self { true } else { false } }
}
