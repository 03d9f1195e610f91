import TFRecord
import TFEventsCore
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What an export holds and where it came from: written into every export
/// directory, as protobuf binary (`export_manifest.pb`) or, when `as_text`
/// is set, protobuf text format (`export_manifest.pbtxt`).
///
/// Schema (proto3; `repeated Metric` is wire-compatible with
/// `map<string, double>`):
///
/// ```proto
/// syntax = "proto3";
/// package tfevents;
///
/// message ExportManifest {
///   string exporter_name = 1;     // "best_exporter"
///   int64 global_step = 2;        // the evaluated step
///   repeated Metric metrics = 3;  // every metric of the evaluation, sorted by name
///   string checkpoint_path = 4;   // the checkpoint prefix exported, relative to the
///                                 // model directory (absolute, or a URL, outside it)
///   string event_file = 5;        // eval event file of the evaluation ("" for a live result)
///   int64 event_offset = 6;       // offset of its record in that file
///   int64 event_index = 7;        // index of the event in that file
///   double event_wall_time = 8;   // the event's wall_time
///   string model_writer = 9;      // "checkpoint_snapshot", "command", ...
///   bool is_final_export = 10;
///   string comparison = 11;       // "loss smaller", "accuracy larger", ...
///   string checkpoint_layout = 12; // "estimator" (or empty), "huggingface", "lightning",
///                                  // "keras", "orbax", "template": how checkpoint_path was found
///
///   message Metric {
///     string name = 1;
///     double value = 2;           // exact; NaN and infinities allowed
///   }
/// }
/// ```
///
/// The exporters read manifests back to recognise their own exports: the
/// safe restart rule looks for an export of the best evaluation, and
/// keep-the-best garbage collection ranks exports by their metrics.
public struct ExportManifest: Sendable, Equatable {
    /// `export_manifest.pb`.
    public static let binaryFileName = "export_manifest.pb"
    /// `export_manifest.pbtxt`.
    public static let textFileName = "export_manifest.pbtxt"

    /// The exporter's name.
    public var exporterName: String
    /// The evaluation exported (its source, when read from a file).
    public var evalResult: EvalResult
    /// The checkpoint prefix exported: relative to the model directory
    /// when inside it, else absolute (or a URL).
    public var checkpointPath: String
    /// The model writer's name.
    public var modelWriter: String
    /// Whether the export was made as the final export.
    public var isFinalExport: Bool
    /// The comparison's description (empty for exporters that do not compare).
    public var comparison: String
    /// The checkpoint layout (``CheckpointLayout/Preset``) the checkpoint
    /// was found with; empty in manifests written before layouts existed
    /// (they are all `estimator`).
    public var checkpointLayout: String

    /// A manifest.
    public init(exporterName: String, evalResult: EvalResult, checkpointPath: String, modelWriter: String,
                isFinalExport: Bool = false, comparison: String = "", checkpointLayout: String = "") {
        self.checkpointLayout = checkpointLayout
        self.exporterName = exporterName
        self.evalResult = evalResult
        self.checkpointPath = checkpointPath
        self.modelWriter = modelWriter
        self.isFinalExport = isFinalExport
        self.comparison = comparison
    }

    // MARK: - Binary

    /// The protobuf binary encoding (fields in number order, proto3 defaults omitted).
    public func binary() -> [UInt8] {
        var writer = ProtoWriter(capacity: 256)
        if !exporterName.isEmpty { writer.writeString(field: 1, exporterName) }
        if evalResult.globalStep != 0 { writer.writeInt64(field: 2, evalResult.globalStep) }
        for (name, value) in evalResult.sortedMetrics {
            writer.writeMessage(field: 3) { metric in
                if !name.isEmpty { metric.writeString(field: 1, name) }
                metric.writeDouble(field: 2, value)
            }
        }
        if !checkpointPath.isEmpty { writer.writeString(field: 4, checkpointPath) }
        if let source = evalResult.source {
            writer.writeString(field: 5, source.path)
            writer.writeInt64(field: 6, Int64(source.recordOffset))
            writer.writeInt64(field: 7, Int64(source.eventIndex))
            writer.writeDouble(field: 8, source.wallTime)
        }
        if !modelWriter.isEmpty { writer.writeString(field: 9, modelWriter) }
        if isFinalExport { writer.writeBool(field: 10, true) }
        if !comparison.isEmpty { writer.writeString(field: 11, comparison) }
        if !checkpointLayout.isEmpty { writer.writeString(field: 12, checkpointLayout) }
        return writer.bytes
    }

    /// Decodes the binary encoding.
    ///
    /// - Parameter path: the file, for errors.
    /// - Throws: ``ExportError/invalidManifest(path:reason:)`` with the byte offset.
    public init(binary bytes: [UInt8], path: String = ExportManifest.binaryFileName) throws(ExportError) {
        do { self = try Self.decode(bytes.rawSpan) } catch {
            throw .invalidManifest(path: path, reason: error.description)
        }
    }

    private static func decode(_ buffer: RawSpan) throws(ProtoDecodingError) -> ExportManifest {
        var reader = ProtoReader(buffer)
        var manifest = ExportManifest(exporterName: "", evalResult: EvalResult(globalStep: 0, metrics: [:]),
                                      checkpointPath: "", modelWriter: "")
        var eventFile: String?
        var offset: Int64 = 0, index: Int64 = 0, wallTime = 0.0
        while !reader.isAtEnd {
            let key = try reader.readRawKey()
            switch key {
            case 0x0A: manifest.exporterName = try reader.readLengthDelimited().utf8String
            case 0x10: manifest.evalResult.globalStep = Int64(bitPattern: try reader.readVarint())
            case 0x1A:
                var metric = ProtoReader(try reader.readLengthDelimited())
                var name = ""
                var value = 0.0
                while !metric.isAtEnd {
                    let metricKey = try metric.readRawKey()
                    switch metricKey {
                    case 0x0A: name = try metric.readLengthDelimited().utf8String
                    case 0x11: value = Double(bitPattern: try metric.readFixed64())
                    default: try metric.skipField(raw: metricKey)
                    }
                }
                manifest.evalResult.metrics[name] = value
            case 0x22: manifest.checkpointPath = try reader.readLengthDelimited().utf8String
            case 0x2A: eventFile = try reader.readLengthDelimited().utf8String
            case 0x30: offset = Int64(bitPattern: try reader.readVarint())
            case 0x38: index = Int64(bitPattern: try reader.readVarint())
            case 0x41: wallTime = Double(bitPattern: try reader.readFixed64())
            case 0x4A: manifest.modelWriter = try reader.readLengthDelimited().utf8String
            case 0x50: manifest.isFinalExport = try reader.readVarint() != 0
            case 0x5A: manifest.comparison = try reader.readLengthDelimited().utf8String
            case 0x62: manifest.checkpointLayout = try reader.readLengthDelimited().utf8String
            default: try reader.skipField(raw: key)
            }
        }
        if let eventFile, !eventFile.isEmpty {
            manifest.evalResult.source = EvalSource(path: eventFile, recordOffset: Int(offset), eventIndex: Int(index),
                                                    wallTime: wallTime)
        }
        return manifest
    }

    // MARK: - Text

    /// The protobuf text format, as `protoc --decode` would print it.
    public func text() -> String {
        var out = ""
        if !exporterName.isEmpty { out += "exporter_name: \(TextFormat.quoted(exporterName))\n" }
        if evalResult.globalStep != 0 { out += "global_step: \(evalResult.globalStep)\n" }
        for (name, value) in evalResult.sortedMetrics {
            out += "metrics {\n  name: \(TextFormat.quoted(name))\n  value: \(TextFormat.number(value))\n}\n"
        }
        if !checkpointPath.isEmpty { out += "checkpoint_path: \(TextFormat.quoted(checkpointPath))\n" }
        if let source = evalResult.source {
            out += "event_file: \(TextFormat.quoted(source.path))\n"
            out += "event_offset: \(source.recordOffset)\n"
            out += "event_index: \(source.eventIndex)\n"
            out += "event_wall_time: \(TextFormat.number(source.wallTime))\n"
        }
        if !modelWriter.isEmpty { out += "model_writer: \(TextFormat.quoted(modelWriter))\n" }
        if isFinalExport { out += "is_final_export: true\n" }
        if !comparison.isEmpty { out += "comparison: \(TextFormat.quoted(comparison))\n" }
        if !checkpointLayout.isEmpty { out += "checkpoint_layout: \(TextFormat.quoted(checkpointLayout))\n" }
        return out
    }

    /// Parses the text format (unknown fields are ignored).
    ///
    /// - Throws: ``ExportError/invalidManifest(path:reason:)`` with the line.
    public init(text: String, path: String = ExportManifest.textFileName) throws(ExportError) {
        let fields: [TextFormat.Field]
        do { fields = try TextFormat.parse(Array(text.utf8)) } catch {
            throw .invalidManifest(path: path, reason: "line \(error.line): \(error.reason)")
        }
        func bad(_ field: TextFormat.Field) -> ExportError {
            .invalidManifest(path: path, reason: "line \(field.line): bad value for \(TextFormat.excerpt(field.name))")
        }
        self.init(exporterName: "", evalResult: EvalResult(globalStep: 0, metrics: [:]), checkpointPath: "",
                  modelWriter: "")
        var eventFile: String?
        var offset: Int64 = 0, index: Int64 = 0, wallTime = 0.0
        for field in fields {
            switch (field.name, field.value) {
            case ("metrics", .message(let body)):
                var name = ""
                var value = 0.0
                for part in body {
                    guard case .scalar(let token) = part.value else { throw bad(part) }
                    switch part.name {
                    case "name": guard let text = TextFormat.string(token) else { throw bad(part) }; name = text
                    case "value": guard let number = TextFormat.double(token) else { throw bad(part) }; value = number
                    default: continue
                    }
                }
                evalResult.metrics[name] = value
            case (_, .message):
                continue
            case (let name, .scalar(let token)):
                switch name {
                case "exporter_name": guard let v = TextFormat.string(token) else { throw bad(field) }; exporterName = v
                case "global_step": guard let v = TextFormat.integer(token) else { throw bad(field) }; evalResult.globalStep = v
                case "checkpoint_path": guard let v = TextFormat.string(token) else { throw bad(field) }; checkpointPath = v
                case "event_file": guard let v = TextFormat.string(token) else { throw bad(field) }; eventFile = v
                case "event_offset": guard let v = TextFormat.integer(token) else { throw bad(field) }; offset = v
                case "event_index": guard let v = TextFormat.integer(token) else { throw bad(field) }; index = v
                case "event_wall_time": guard let v = TextFormat.double(token) else { throw bad(field) }; wallTime = v
                case "model_writer": guard let v = TextFormat.string(token) else { throw bad(field) }; modelWriter = v
                case "is_final_export": guard let v = TextFormat.bool(token) else { throw bad(field) }; isFinalExport = v
                case "comparison": guard let v = TextFormat.string(token) else { throw bad(field) }; comparison = v
                case "checkpoint_layout": guard let v = TextFormat.string(token) else { throw bad(field) }; checkpointLayout = v
                default: continue
                }
            }
        }
        if let eventFile, !eventFile.isEmpty {
            evalResult.source = EvalSource(path: eventFile, recordOffset: Int(offset), eventIndex: Int(index),
                                           wallTime: wallTime)
        }
    }

    // MARK: - Files

    /// The manifest of the export at `directory`: `export_manifest.pb`, else
    /// `export_manifest.pbtxt`; nil when it has neither (an export written
    /// by TensorFlow, say).
    public static func read(exportDirectory directory: String) throws(ExportError) -> ExportManifest? {
        try read(exportDirectory: directory, fileSystem: POSIXFileSystem())
    }

    static func read(exportDirectory directory: String, fileSystem: any ExportFileSystem) throws(ExportError) -> ExportManifest? {
        let binaryPath = FilePaths.join(directory, binaryFileName)
        var binaryBytes: [UInt8]?
        do { binaryBytes = try fileSystem.readFile(binaryPath) } catch {
            if error.systemCode != ENOENT && error.systemCode != ENOTDIR { throw .sideFile(binaryPath, error) }
        }
        if let binaryBytes { return try ExportManifest(binary: binaryBytes, path: binaryPath) }
        let textPath = FilePaths.join(directory, textFileName)
        let bytes: [UInt8]
        do { bytes = try fileSystem.readFile(textPath) } catch {
            if error.systemCode == ENOENT || error.systemCode == ENOTDIR { return nil }
            throw .sideFile(textPath, error)
        }
        return try ExportManifest(text: String(decoding: bytes, as: UTF8.self), path: textPath)
    }

    /// Writes the manifest into `directory` in the chosen format.
    func write(into directory: String, asText: Bool, fileSystem: any ExportFileSystem) throws(ExportError) {
        let path = FilePaths.join(directory, asText ? Self.textFileName : Self.binaryFileName)
        do {
            try fileSystem.writeNewFile(path, asText ? Array(text().utf8) : binary())
        } catch {
            throw .fileSystem(operation: "write", path: path, error: error)
        }
    }
}
