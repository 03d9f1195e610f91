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

/// One checkpoint: a TensorFlow prefix such as `model_dir/model.ckpt-225`,
/// whose files are `<prefix>.index` and `<prefix>.data-NNNNN-of-MMMMM`, or
/// the file or directory another framework saved (``CheckpointLayout``):
/// `version_0/checkpoints/epoch=2-step=30.ckpt`, `checkpoint-500/`,
/// `checkpoints/40/`.
public struct Checkpoint: Sendable, Hashable, CustomStringConvertible {
    /// What a checkpoint is on disk.
    public enum Format: Sendable, Hashable {
        /// A TensorFlow prefix: `<prefix>.index` and its data shards.
        case tensorFlow
        /// One file (Lightning's `.ckpt`, Keras's `.keras` / `.weights.h5`).
        case file
        /// A directory tree (Hugging Face's `checkpoint-<step>/`, Orbax's `<step>/`).
        case directory
    }

    /// The prefix of a TensorFlow checkpoint (path without the `.index` /
    /// `.data-*` suffix); the path of the file or directory otherwise.
    public var prefix: String
    /// The evaluation step the checkpoint belongs to: the global step in a
    /// TensorFlow name (`model.ckpt-225` → 225); for other layouts the
    /// number in the name mapped back to the logged step
    /// (``CheckpointLayout/offset``: Keras's `epoch03` is step 2).
    public var globalStep: Int64?
    /// The data shards, in shard order (empty until located; TensorFlow only).
    public var dataFiles: [String]
    /// What it is on disk.
    public var format: Format
    /// `<prefix>.index`.
    public var indexFile: String { prefix + ".index" }

    /// A checkpoint.
    public init(prefix: String, globalStep: Int64? = nil, dataFiles: [String] = [], format: Format = .tensorFlow) {
        self.prefix = prefix
        self.globalStep = globalStep ?? (format == .tensorFlow ? Checkpoint.globalStep(ofPrefix: prefix) : nil)
        self.dataFiles = dataFiles
        self.format = format
    }

    /// The step in a checkpoint name: the digits after the last `-` of the
    /// last path component (`model.ckpt-225`, `ckpt-7`), or nil.
    public static func globalStep(ofPrefix prefix: String) -> Int64? {
        let name = FilePaths.basename(prefix)
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let digits = name[name.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits)
    }

    /// The prefix.
    public var description: String { prefix }
}

/// Finds checkpoints in an Estimator model directory (FORMAT §5.3): through
/// the `checkpoint` file first, then by listing `*.index` files, so that a
/// directory whose `checkpoint` file is missing, stale or names paths from
/// another machine still works. The finder of ``CheckpointLayout/estimator``.
public struct CheckpointLocator: CheckpointFinder {
    /// The model directory.
    public let modelDirectory: String

    /// A locator for `modelDirectory`.
    public init(modelDirectory: String) {
        self.modelDirectory = modelDirectory
    }

    /// The parsed `checkpoint` file, nil when there is none.
    public func state() throws(ExportError) -> CheckpointState? {
        try CheckpointState.read(directory: modelDirectory)
    }

    /// Every checkpoint whose `.index` file exists, from the `checkpoint`
    /// file and from the directory listing, sorted by step (checkpoints
    /// without a step last). Shards are not checked.
    public func survivingCheckpoints() throws(ExportError) -> [Checkpoint] {
        var prefixes: [String] = []
        var seen = Set<String>()
        func add(_ prefix: String) {
            if seen.insert(prefix).inserted, FileOperations.exists(prefix + ".index") { prefixes.append(prefix) }
        }
        if let state = try state() {
            for path in state.allModelCheckpointPaths + [state.modelCheckpointPath] {
                if let resolved = resolve(path) { add(resolved) }
            }
        }
        let names: [String]
        do { names = try Directories.list(modelDirectory) } catch {
            if error.code == ENOENT { return [] }
            throw .fileSystem(operation: "list", path: modelDirectory, error: error)
        }
        for name in names.sorted() where name.hasSuffix(".index") {
            let prefix = FilePaths.join(modelDirectory, String(name.dropLast(".index".count)))
            add(prefix)
        }
        return Self.sortedByStep(prefixes.map { Checkpoint(prefix: $0) })
    }

    /// The checkpoint of `globalStep`, with its shards.
    ///
    /// - Throws: ``ExportError/checkpointDeleted(globalStep:modelDirectory:nearest:)``
    ///   naming the closest surviving checkpoints (one below, one above)
    ///   when it is gone; ``ExportError/incompleteCheckpoint(prefix:missing:)``
    ///   when a shard is missing.
    public func checkpoint(forStep globalStep: Int64) throws(ExportError) -> Checkpoint {
        let surviving = try survivingCheckpoints()
        if let match = surviving.first(where: { $0.globalStep == globalStep }) {
            return try complete(match.prefix)
        }
        throw deleted(globalStep, surviving: surviving)
    }

    /// The latest checkpoint (FORMAT §6.6 step 1): the `checkpoint` file's
    /// `model_checkpoint_path` when its files exist, else the surviving
    /// checkpoint with the highest step.
    ///
    /// - Throws: ``ExportError/noCheckpoint(modelDirectory:)`` when there is none.
    public func latestCheckpoint() throws(ExportError) -> Checkpoint {
        if let state = try state(), let prefix = resolve(state.modelCheckpointPath),
           FileOperations.exists(prefix + ".index") {
            return try complete(prefix)
        }
        guard let last = try survivingCheckpoints().last(where: { $0.globalStep != nil }) else {
            throw .noCheckpoint(modelDirectory: modelDirectory)
        }
        return try complete(last.prefix)
    }

    /// The checkpoint at `path` (a prefix as TensorFlow passes it to
    /// exporters, relative to the model directory or absolute), with its shards.
    public func checkpoint(atPath path: String) throws(ExportError) -> Checkpoint {
        try complete(resolve(path) ?? FilePaths.join(modelDirectory, path))
    }

    /// A checkpoint path as it exists here: a relative path is taken
    /// relative to the model directory (the `checkpoint` file's
    /// convention), or as given when only that exists (a training loop
    /// passing `model_dir/model.ckpt-25`); an absolute path that does not
    /// exist (a directory copied from another machine) is looked for by
    /// name in the model directory.
    func resolve(_ path: String) -> String? {
        guard !path.isEmpty else { return nil }
        if !path.hasPrefix("/") {
            let joined = FilePaths.join(modelDirectory, path)
            if FileOperations.exists(joined + ".index") { return joined }
            // `model_dir/model.ckpt-25` as a training loop passes it: the
            // model directory is in it already (joining gave model_dir/model_dir/...).
            let root = modelDirectory.hasSuffix("/") ? modelDirectory : modelDirectory + "/"
            if FileOperations.exists(path + ".index") || path.hasPrefix(root) { return path }
            return joined
        }
        if FileOperations.exists(path + ".index") { return path }
        let local = FilePaths.join(modelDirectory, FilePaths.basename(path))
        return FileOperations.exists(local + ".index") ? local : path
    }

    /// `prefix` with its data shards, checking that the index and every
    /// shard `00000 ..< MMMMM` exist.
    func complete(_ prefix: String) throws(ExportError) -> Checkpoint {
        let directory = FilePaths.dirname(prefix)
        let base = FilePaths.basename(prefix)
        var missing: [String] = []
        if !FileOperations.exists(prefix + ".index") { missing.append(base + ".index") }
        let names: [String]
        do { names = try Directories.list(directory) } catch {
            if error.code == ENOENT { throw .incompleteCheckpoint(prefix: prefix, missing: [base + ".index", base + ".data-*"]) }
            throw .fileSystem(operation: "list", path: directory, error: error)
        }
        // <base>.data-NNNNN-of-MMMMM
        var shards: [Int: String] = [:]
        var shardCount: Int?
        let dataPrefix = base + ".data-"
        for name in names where name.hasPrefix(dataPrefix) {
            let rest = name.dropFirst(dataPrefix.count)
            let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1] == "of", let index = Int(parts[0]), let count = Int(parts[2]),
                  index >= 0, index < count else { continue }
            shards[index] = FilePaths.join(directory, name)
            shardCount = max(shardCount ?? 0, count)
        }
        let count = shardCount ?? 1
        if shardCount == nil {
            missing.append(base + ".data-00000-of-00001")
        } else {
            for index in 0 ..< count where shards[index] == nil {
                missing.append(base + ".data-" + Self.shardNumber(index) + "-of-" + Self.shardNumber(count))
            }
        }
        guard missing.isEmpty else { throw .incompleteCheckpoint(prefix: prefix, missing: missing) }
        return Checkpoint(prefix: prefix, dataFiles: (0 ..< count).compactMap { shards[$0] })
    }

    /// `%05d`.
    static func shardNumber(_ value: Int) -> String {
        let digits = String(value)
        return digits.count >= 5 ? digits : String(repeating: "0", count: 5 - digits.count) + digits
    }
}
