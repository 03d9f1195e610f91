import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the checkpoints of a ``CheckpointLayout`` with a template
/// (every layout but Estimator's): one directory listing per template
/// component that has a placeholder, walking down from the model
/// directory; works on bucket URLs as on disks.
///
/// A checkpoint the framework has not finished is never returned as a
/// checkpoint: a Hugging Face `checkpoint-<step>/` without
/// `trainer_state.json` (the Trainer writes it last), an Orbax step in a
/// bucket without `commit_success.txt` (on a disk an unfinished Orbax step
/// is named `<step>.orbax-checkpoint-tmp-<n>`, which `{step}` does not match).
public struct TemplateCheckpointFinder: CheckpointFinder {
    /// The model directory.
    public let modelDirectory: String
    /// The layout.
    public let layout: CheckpointLayout

    /// A finder; `layout` must have a template (Estimator's does not:
    /// it then finds nothing).
    public init(modelDirectory: String, layout: CheckpointLayout) {
        self.modelDirectory = modelDirectory
        self.layout = layout
    }

    /// One path that matches the template, finished or not.
    struct Candidate {
        var checkpoint: Checkpoint
        /// What is missing for the framework to have finished it.
        var missing: [String]
    }

    public func survivingCheckpoints() throws(ExportError) -> [Checkpoint] {
        Self.sortedByStep(try candidates().filter { $0.missing.isEmpty }.map(\.checkpoint))
    }

    public func checkpoint(forStep globalStep: Int64) throws(ExportError) -> Checkpoint {
        let all = try candidates()
        let matching = all.filter { $0.checkpoint.globalStep == globalStep }
        if let done = matching.first(where: { $0.missing.isEmpty }) { return done.checkpoint }
        if let unfinished = matching.first {
            throw .incompleteCheckpoint(prefix: unfinished.checkpoint.prefix, missing: unfinished.missing)
        }
        throw deleted(globalStep, surviving: Self.sortedByStep(all.filter { $0.missing.isEmpty }.map(\.checkpoint)))
    }

    public func latestCheckpoint() throws(ExportError) -> Checkpoint {
        guard let last = try survivingCheckpoints().last(where: { $0.globalStep != nil }) else {
            throw .noCheckpoint(modelDirectory: modelDirectory)
        }
        return last
    }

    public func checkpoint(atPath path: String) throws(ExportError) -> Checkpoint {
        let full = path.hasPrefix("/") || ObjectStores.isRemote(path) ? path : FilePaths.join(modelDirectory, path)
        guard FileOperations.exists(full) else {
            throw .incompleteCheckpoint(prefix: full, missing: [FilePaths.basename(full)])
        }
        let root = modelDirectory.hasSuffix("/") ? modelDirectory : modelDirectory + "/"
        var step: Int64?
        if full.hasPrefix(root), let template = layout.template,
           let match = template.match(full.dropFirst(root.count).split(separator: "/").map(String.init)) {
            step = self.step(of: match)
        }
        let format: Checkpoint.Format = Directories.isDirectory(full) ? .directory : .file
        let missing = self.missing(in: full, format: format)
        guard missing.isEmpty else { throw .incompleteCheckpoint(prefix: full, missing: missing) }
        return Checkpoint(prefix: full, globalStep: step, format: format)
    }

    /// The logged step of a match: the number in the name minus the offset.
    func step(of match: CheckpointTemplate.Match) -> Int64? {
        guard let number = match.step ?? match.epoch else { return nil }
        let (step, overflow) = number.subtractingReportingOverflow(layout.offset)
        return overflow ? nil : step
    }

    /// Every path matching the template, sorted by step.
    func candidates() throws(ExportError) -> [Candidate] {
        guard let template = layout.template else { return [] }
        var frontier: [(path: String, match: CheckpointTemplate.Match)] = [(modelDirectory, .init())]
        for (depth, tokens) in template.components.enumerated() {
            let last = depth == template.components.count - 1
            var next: [(path: String, match: CheckpointTemplate.Match)] = []
            for (directory, match) in frontier {
                if tokens.count == 1, case .literal(let bytes) = tokens[0] {
                    let path = FilePaths.join(directory, String(decoding: bytes, as: UTF8.self))
                    if last ? FileOperations.exists(path) : Directories.isDirectory(path) { next.append((path, match)) }
                    continue
                }
                let names: [String]
                do { names = try Directories.list(directory) } catch {
                    if error.code == ENOENT || error.code == ENOTDIR { continue }
                    throw .fileSystem(operation: "list", path: directory, error: error)
                }
                for name in names.sorted() {
                    var found = match
                    guard template.match(component: name, tokens: tokens, into: &found) else { continue }
                    let path = FilePaths.join(directory, name)
                    if !last && !Directories.isDirectory(path) { continue }
                    next.append((path, found))
                }
            }
            frontier = next
        }
        return frontier.map { path, match in
            let format: Checkpoint.Format = Directories.isDirectory(path) ? .directory : .file
            return Candidate(checkpoint: Checkpoint(prefix: path, globalStep: step(of: match), format: format),
                             missing: missing(in: path, format: format))
        }
    }

    /// What the framework writes last into a finished checkpoint and `path` lacks.
    func missing(in path: String, format: Checkpoint.Format) -> [String] {
        switch layout.preset {
        case .huggingFace where format == .directory:
            return FileOperations.exists(FilePaths.join(path, "trainer_state.json")) ? [] : ["trainer_state.json"]
        case .orbax where ObjectStores.isRemote(path):
            return FileOperations.exists(FilePaths.join(path, "commit_success.txt")) ? [] : ["commit_success.txt"]
        default:
            return []
        }
    }
}
