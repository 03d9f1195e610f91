import Synchronization
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@testable import TFEventsSystem

/// A clock for exports: the time is set by the test; `sleep` advances it
/// (unless frozen) and is counted, so no test waits.
final class FakeClock: ExportClock {
    private struct State {
        var now: Int64
        var sleeps = 0
        var frozen = false
    }
    private let state: Mutex<State>

    init(_ now: Int64 = 1_700_000_000, frozen: Bool = false) {
        state = Mutex(State(now: now, frozen: frozen))
    }

    var now: Int64 {
        get { state.withLock { $0.now } }
        set { state.withLock { $0.now = newValue } }
    }
    var sleeps: Int { state.withLock { $0.sleeps } }

    func secondsSinceEpoch() -> Int64 { state.withLock { $0.now } }

    func sleep(seconds: Int) {
        state.withLock { state in
            state.sleeps += 1
            if !state.frozen { state.now += Int64(seconds) }
        }
    }
}

/// A fresh directory under /tmp, removed with everything in it on deinit.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "export") {
        var template = Array("/tmp/tfevents-\(label)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }

    deinit { try? FileOperations.removeTree(path) }

    func join(_ relative: String) -> String { FilePaths.join(path, relative) }
}

/// Writes `bytes` to `path`, replacing it.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try? FileOperations.removeTree(path)
    try FileOperations.makeDirectories(FilePaths.dirname(path))
    try FileOperations.writeNewFile(path, bytes)
}

func writeFile(_ path: String, _ text: String) throws { try writeFile(path, Array(text.utf8)) }

func readText(_ path: String) throws -> String {
    String(decoding: try FileOperations.readFile(path), as: UTF8.self)
}

/// Names in a directory, sorted; empty when it does not exist.
func listing(_ path: String) -> [String] {
    ((try? Directories.list(path)) ?? []).sorted()
}

/// The 10-digit export directories of `exportPath`, sorted.
func exportVersions(_ exportPath: String) -> [String] {
    listing(exportPath).filter(ExportDirectory.isVersionName)
}

/// Writes fake checkpoint files for `step` (`model.ckpt-<step>.index`,
/// `.data-00000-of-00001`, `.meta`) and the `checkpoint` state keeping the
/// newest `keep`, deleting older ones as TensorFlow's Saver does.
func writeFakeCheckpoint(modelDirectory: String, step: Int64, keep: Int = 5, shards: Int = 1) throws {
    let prefix = FilePaths.join(modelDirectory, "model.ckpt-\(step)")
    try writeFile(prefix + ".index", "index of step \(step)\n")
    for shard in 0 ..< shards {
        try writeFile(prefix + ".data-\(CheckpointLocator.shardNumber(shard))-of-\(CheckpointLocator.shardNumber(shards))",
                      "variables of step \(step), shard \(shard)\n")
    }
    try writeFile(prefix + ".meta", "graph\n")
    var state = (try CheckpointState.read(directory: modelDirectory))
        ?? CheckpointState(modelCheckpointPath: "", allModelCheckpointPaths: [])
    state.allModelCheckpointPaths.append("model.ckpt-\(step)")
    while state.allModelCheckpointPaths.count > keep {
        let old = FilePaths.join(modelDirectory, state.allModelCheckpointPaths.removeFirst())
        for name in listing(modelDirectory) where FilePaths.join(modelDirectory, name).hasPrefix(old + ".") {
            try FileOperations.removeTree(FilePaths.join(modelDirectory, name))
        }
    }
    state.modelCheckpointPath = "model.ckpt-\(step)"
    try writeFile(FilePaths.join(modelDirectory, "checkpoint"), state.text)
}

/// A training loop in miniature: checkpoints, evaluations written to event
/// files with the real encoder and record writer, as Estimator writes them
/// (one summary event of `simple_value`s, then a `checkpoint_path` text
/// event at the same step).
final class SimulatedTraining {
    let modelDirectory: String
    let evalDirectory: String
    let keepCheckpoints: Int
    private var writer: RecordWriter?
    private var encoder = EventEncoder()
    private var wallTime: Double
    private var fileCounter = 0
    let clock: FakeClock

    init(modelDirectory: String, evalName: String? = nil, keepCheckpoints: Int = 5, clock: FakeClock) {
        self.modelDirectory = modelDirectory
        evalDirectory = FilePaths.join(modelDirectory, evalName.map { "eval_\($0)" } ?? "eval")
        self.keepCheckpoints = keepCheckpoints
        self.clock = clock
        wallTime = Double(clock.now)
    }

    var model: ModelDirectory { ModelDirectory(modelDirectory) }

    /// Starts a new process: a new eval event file, as TensorFlow's writer
    /// makes one per process.
    func restart() throws {
        try writer?.close()
        writer = nil
    }

    private func currentWriter() throws -> RecordWriter {
        if let writer { return writer }
        try FileOperations.makeDirectories(evalDirectory)
        fileCounter += 1
        let path = FilePaths.join(evalDirectory, "events.out.tfevents.\(clock.now).host.\(fileCounter)")
        let writer = try RecordWriter(path: path)
        try write(EventRecord.fileVersion(wallTime: Double(clock.now)), to: writer)
        self.writer = writer
        return writer
    }

    private func write(_ event: EventRecord, to writer: RecordWriter) throws {
        encoder.encode(event)
        try writer.write(encoder.bytes)
        try writer.flush()
    }

    /// Saves a checkpoint at `step`, evaluates it: writes the eval events
    /// and returns the live result (as the training loop hands it over).
    @discardableResult
    func evaluate(step: Int64, _ metrics: [String: Float], style: EventRecord.ScalarStyle = .simpleValue,
                  checkpoint: Bool = true) throws -> EvalResult {
        clock.now += 10
        wallTime = Double(clock.now) + 0.25
        if checkpoint { try writeFakeCheckpoint(modelDirectory: modelDirectory, step: step, keep: keepCheckpoints) }
        let writer = try currentWriter()
        let sorted = metrics.sorted { $0.key < $1.key }
        try write(EventRecord.scalars(wallTime: wallTime, step: step, sorted.map { ($0.key, $0.value) }, style: style),
                  to: writer)
        let path = Array("model_dir/model.ckpt-\(step)".utf8)
        try write(EventRecord(wallTime: wallTime, step: step, what: .summary([
            EventRecord.Value(tag: "checkpoint_path", value: .tensor(.init(dtype: .string, content: .stringValues([path])))),
        ])), to: writer)
        return EvalResult(globalStep: step, metrics: metrics.mapValues { Double($0) })
    }

    /// Writes a summary that is not an evaluation of the model (a BLEU
    /// score from an external tool, say) into the eval directory.
    func writeExtraSummary(step: Int64, _ metrics: [String: Float]) throws {
        let writer = try currentWriter()
        try write(EventRecord.scalars(wallTime: wallTime + 0.5, step: step, metrics.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                      style: .simpleValue), to: writer)
    }

    /// Closes the current event file.
    func close() throws { try restart() }
}

/// A model writer that fails on chosen calls (counting from 1), writing a
/// partial file first so that cleanup is visible.
final class FailingModelWriter: ModelWriter {
    struct Injected: Error, CustomStringConvertible { var description: String { "injected failure" } }
    private let calls = Mutex(0)
    let failOn: Set<Int>

    init(failOn: Set<Int>) { self.failOn = failOn }

    var name: String { "failing_writer" }

    func writeModel(_ request: ModelWriteRequest) throws {
        let call = calls.withLock { value -> Int in
            value += 1
            return value
        }
        try CheckpointSnapshotWriter().writeModel(request)
        if failOn.contains(call) {
            try writeFile(FilePaths.join(request.directory, "partial.pb"), "half a model")
            throw Injected()
        }
    }
}

/// A file system that fails the chosen operation on its n-th use.
final class FailingFileSystem: ExportFileSystem {
    enum Operation: String, Sendable { case makeDirectory, writeNewFile, linkOrCopy, copyTree, renameNoReplace, syncDirectory, removeTree }
    private let counts = Mutex([String: Int]())
    private let armed = Mutex(false)
    let operation: Operation
    let failOn: Int
    let base = POSIXFileSystem()

    init(failing operation: Operation, onCall failOn: Int = 1) {
        self.operation = operation
        self.failOn = failOn
    }

    /// Starts counting (and failing) from now on.
    func arm() { armed.withLock { $0 = true } }

    private func check(_ operation: Operation) throws(SystemError) {
        guard armed.withLock({ $0 }) else { return }
        let count = counts.withLock { counts -> Int in
            counts[operation.rawValue, default: 0] += 1
            return counts[operation.rawValue]!
        }
        if operation == self.operation && count == failOn { throw SystemError(code: EIO) }
    }

    func exists(_ path: String) -> Bool { base.exists(path) }
    func makeDirectory(_ path: String) throws(SystemError) { try check(.makeDirectory); try base.makeDirectory(path) }
    func makeDirectories(_ path: String) throws(SystemError) { try base.makeDirectories(path) }
    func listDirectory(_ path: String) throws(SystemError) -> [String] { try base.listDirectory(path) }
    func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) { try check(.writeNewFile); try base.writeNewFile(path, bytes) }
    func readFile(_ path: String) throws(BoundedReadError) -> [UInt8] { try base.readFile(path) }
    func linkOrCopy(_ source: String, to destination: String) throws(SystemError) -> Bool {
        try check(.linkOrCopy)
        return try base.linkOrCopy(source, to: destination)
    }
    func copyTree(_ source: String, to destination: String) throws(SystemError) { try check(.copyTree); try base.copyTree(source, to: destination) }
    func renameNoReplace(_ source: String, to destination: String) throws(SystemError) {
        try check(.renameNoReplace)
        try base.renameNoReplace(source, to: destination)
    }
    func removeTree(_ path: String) throws(SystemError) { try check(.removeTree); try base.removeTree(path) }
    func syncDirectory(_ path: String) throws(SystemError) { try check(.syncDirectory); try base.syncDirectory(path) }
    func listTree(_ path: String) throws(SystemError) -> [String] { try base.listTree(path) }
}
