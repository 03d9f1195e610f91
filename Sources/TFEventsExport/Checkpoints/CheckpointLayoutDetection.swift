import TFEventsSystem

extension CheckpointLayout {
    /// What `--layout auto` found, and the evidence.
    public struct Detection: Sendable, Equatable {
        /// The layout chosen; nil when it needs something only the user
        /// knows (Keras: the checkpoint file names).
        public var layout: CheckpointLayout?
        /// The preset recognised.
        public var preset: Preset
        /// What on disk decided it (`checkpoint-500/trainer_state.json`).
        public var evidence: String
    }

    /// Recognises the framework from what is in `modelDirectory`, looking at
    /// one listing of it and, for some presets, one listing below:
    ///
    /// 1. a `checkpoint` file or `*.index` files: ``estimator``;
    /// 2. `checkpoint-<n>/` directories or a `runs/` directory beside
    ///    `trainer_state.json`-holding checkpoints: ``huggingFace``;
    /// 3. `checkpoints/*.ckpt` or `hparams.yaml`: ``lightning(filename:)``;
    /// 4. `<n>/` directories (at the top or in `checkpoints/`) holding
    ///    `_CHECKPOINT_METADATA` or `commit_success.txt`: ``orbax(root:)``;
    /// 5. `logs/validation/`: Keras (the layout needs `--checkpoint`);
    /// 6. otherwise ``estimator``, whose messages then say what is missing.
    public static func detect(modelDirectory: String) -> Detection {
        let names = Set((try? Directories.list(modelDirectory)) ?? [])
        func isDirectory(_ relative: String) -> Bool { Directories.isDirectory(FilePaths.join(modelDirectory, relative)) }
        func exists(_ relative: String) -> Bool { FileOperations.exists(FilePaths.join(modelDirectory, relative)) }
        func digits(_ name: String) -> Bool { !name.isEmpty && name.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }

        if names.contains("checkpoint") || names.contains(where: { $0.hasSuffix(".index") }) {
            let evidence = names.contains("checkpoint") ? "checkpoint" : names.sorted().first { $0.hasSuffix(".index") } ?? ""
            return Detection(layout: .estimator, preset: .estimator, evidence: evidence)
        }
        if let directory = names.sorted().first(where: { $0.hasPrefix("checkpoint-") && digits(String($0.dropFirst(11))) }) {
            return Detection(layout: .huggingFace, preset: .huggingFace, evidence: directory + "/")
        }
        if names.contains("checkpoints"), isDirectory("checkpoints") {
            let inner = (try? Directories.list(FilePaths.join(modelDirectory, "checkpoints"))) ?? []
            if let file = inner.sorted().first(where: { $0.hasSuffix(".ckpt") }) {
                return Detection(layout: try? .lightning(), preset: .lightning, evidence: "checkpoints/" + file)
            }
            if let step = inner.sorted().first(where: { digits($0) && isOrbaxStep("checkpoints/" + $0) }) {
                return Detection(layout: .orbax(root: "checkpoints"), preset: .orbax, evidence: "checkpoints/" + step + "/")
            }
        }
        if names.contains("hparams.yaml") {
            return Detection(layout: try? .lightning(), preset: .lightning, evidence: "hparams.yaml")
        }
        if let step = names.sorted().first(where: { digits($0) && isOrbaxStep($0) }) {
            return Detection(layout: .orbax(root: "."), preset: .orbax, evidence: step + "/")
        }
        if names.contains("runs"), isDirectory("runs"), names.contains(where: { $0.hasPrefix("checkpoint-") }) || exists("trainer_state.json") {
            return Detection(layout: .huggingFace, preset: .huggingFace, evidence: "runs/")
        }
        if isDirectory("logs/validation") {
            return Detection(layout: nil, preset: .keras, evidence: "logs/validation/")
        }
        return Detection(layout: .estimator, preset: .estimator, evidence: "")

        func isOrbaxStep(_ relative: String) -> Bool {
            exists(relative + "/_CHECKPOINT_METADATA") || exists(relative + "/commit_success.txt")
        }
    }
}
