import TFRecord
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The model directory's `checkpoint` file: which checkpoints TensorFlow
/// keeps and which is the latest (FORMAT §5.3).
///
/// The file is protobuf text format of `CheckpointState`
/// (`tensorflow/python/training/checkpoint_state.proto`):
///
/// ```
/// model_checkpoint_path: "model.ckpt-250"
/// all_model_checkpoint_paths: "model.ckpt-200"
/// all_model_checkpoint_paths: "model.ckpt-225"
/// all_model_checkpoint_paths: "model.ckpt-250"
/// ```
///
/// Fields: 1 `model_checkpoint_path`, 2 `all_model_checkpoint_paths`
/// (oldest first), 3 `all_model_checkpoint_timestamps`, 4
/// `last_preserved_timestamp`. Unknown fields are ignored. Paths may be
/// relative to the directory holding the file, or absolute.
public struct CheckpointState: Sendable, Equatable {
    /// The file name TensorFlow uses.
    public static let fileName = "checkpoint"

    /// The latest checkpoint's prefix, as written.
    public var modelCheckpointPath: String
    /// Every retained checkpoint's prefix, oldest first, as written.
    public var allModelCheckpointPaths: [String]
    /// Seconds since the epoch each retained checkpoint was written, when recorded.
    public var allModelCheckpointTimestamps: [Double]
    /// `last_preserved_timestamp`, when recorded.
    public var lastPreservedTimestamp: Double?

    /// A state.
    public init(modelCheckpointPath: String, allModelCheckpointPaths: [String] = [],
                allModelCheckpointTimestamps: [Double] = [], lastPreservedTimestamp: Double? = nil) {
        self.modelCheckpointPath = modelCheckpointPath
        self.allModelCheckpointPaths = allModelCheckpointPaths
        self.allModelCheckpointTimestamps = allModelCheckpointTimestamps
        self.lastPreservedTimestamp = lastPreservedTimestamp
    }

    /// Parses the text of a `checkpoint` file.
    ///
    /// - Parameter path: the file, for errors.
    /// - Throws: ``ExportError/invalidCheckpointState(path:line:reason:)``.
    public init(parsing text: String, path: String = CheckpointState.fileName) throws(ExportError) {
        let fields: [TextFormat.Field]
        do { fields = try TextFormat.parse(Array(text.utf8)) } catch {
            throw .invalidCheckpointState(path: path, line: error.line, reason: error.reason)
        }
        var latest: String?
        var all: [String] = []
        var timestamps: [Double] = []
        var preserved: Double?
        for field in fields {
            switch (field.name, field.value) {
            case ("model_checkpoint_path", .scalar(let token)):
                guard let value = TextFormat.string(token) else {
                    throw .invalidCheckpointState(path: path, line: field.line, reason: "model_checkpoint_path is not a string")
                }
                try Self.checkLength(of: value, field: field, path: path)
                latest = value
            case ("all_model_checkpoint_paths", .scalar(let token)):
                guard let value = TextFormat.string(token) else {
                    throw .invalidCheckpointState(path: path, line: field.line, reason: "all_model_checkpoint_paths is not a string")
                }
                try Self.checkLength(of: value, field: field, path: path)
                all.append(value)
            case ("all_model_checkpoint_timestamps", .scalar(let token)):
                guard let value = TextFormat.double(token) else {
                    throw .invalidCheckpointState(path: path, line: field.line, reason: "all_model_checkpoint_timestamps is not a number")
                }
                timestamps.append(value)
            case ("last_preserved_timestamp", .scalar(let token)):
                guard let value = TextFormat.double(token) else {
                    throw .invalidCheckpointState(path: path, line: field.line, reason: "last_preserved_timestamp is not a number")
                }
                preserved = value
            case ("model_checkpoint_path", .message), ("all_model_checkpoint_paths", .message),
                 ("all_model_checkpoint_timestamps", .message), ("last_preserved_timestamp", .message):
                throw .invalidCheckpointState(path: path, line: field.line, reason: "\(TextFormat.excerpt(field.name)) is not a message")
            default:
                continue  // a field from a newer TensorFlow
            }
        }
        guard let latest else {
            throw .invalidCheckpointState(path: path, line: 1, reason: "no model_checkpoint_path")
        }

        self.init(modelCheckpointPath: latest, allModelCheckpointPaths: all,
                  allModelCheckpointTimestamps: timestamps, lastPreservedTimestamp: preserved)
    }

    /// The longest checkpoint path accepted: Linux's `PATH_MAX`.
    static let maxPathLength = 4096

    /// Refuses a path the system would refuse (`ENAMETOOLONG`), without
    /// quoting it whole.
    private static func checkLength(of value: String, field: TextFormat.Field, path: String) throws(ExportError) {
        guard value.utf8.count > maxPathLength else { return }
        throw .invalidCheckpointState(path: path, line: field.line,
                                      reason: "\(field.name) is \(value.utf8.count) bytes long, more than a path can be: "
                                          + TextFormat.excerpt(value))
    }

    /// Reads `<directory>/checkpoint`.
    ///
    /// - Returns: nil when the file does not exist.
    /// - Throws: ``ExportError`` when it cannot be read or parsed.
    public static func read(directory: String) throws(ExportError) -> CheckpointState? {
        let path = FilePaths.join(directory, fileName)
        let bytes: [UInt8]
        do { bytes = try FileOperations.readFile(path) } catch {
            if error.systemCode == ENOENT { return nil }
            throw .sideFile(path, error)
        }
        return try CheckpointState(parsing: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// The text TensorFlow writes for this state.
    public var text: String {
        var out = "model_checkpoint_path: \(TextFormat.quoted(modelCheckpointPath))\n"
        for path in allModelCheckpointPaths { out += "all_model_checkpoint_paths: \(TextFormat.quoted(path))\n" }
        for timestamp in allModelCheckpointTimestamps {
            out += "all_model_checkpoint_timestamps: \(TextFormat.number(timestamp))\n"
        }
        if let lastPreservedTimestamp { out += "last_preserved_timestamp: \(TextFormat.number(lastPreservedTimestamp))\n" }
        return out
    }
}
