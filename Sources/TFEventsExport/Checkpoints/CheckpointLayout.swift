import TFEventsSystem

/// How a framework names its checkpoints and where it logs its
/// evaluations: what `best`, `export` and `watch` need to go from the best
/// evaluation in the event files to the file or directory holding its weights.
///
/// | preset | checkpoints (relative to the model directory) | evaluations | metric | number in the name |
/// | --- | --- | --- | --- | --- |
/// | ``estimator`` | `model.ckpt-<step>` through the `checkpoint` file | `eval/*.tfevents.*` | `loss` | the logged step |
/// | ``huggingFace`` | `checkpoint-<step>/` (complete with `trainer_state.json`) | `runs/*/events.out.tfevents.*` | `eval/loss` | the logged step |
/// | ``lightning(filename:)`` | `checkpoints/*step=<s>*.ckpt` | `events.out.tfevents.*` | `val_loss` | `step=` is the logged step + 1 |
/// | ``keras(filepath:)`` | the `filepath` given to `ModelCheckpoint` | `logs/validation/events.out.tfevents.*` | `epoch_loss` | `{epoch}` is the logged step + 1 |
/// | ``orbax(root:)`` | `checkpoints/<step>/`, committed ones only | `eval/*.tfevents.*` | `loss` | the logged step |
///
/// ``template(_:offset:)`` covers anything else.
public struct CheckpointLayout: Sendable, Hashable, CustomStringConvertible {
    /// The named layouts.
    public enum Preset: String, Sendable, Hashable, CaseIterable {
        /// TensorFlow Estimator / `tf.train.CheckpointManager` prefixes.
        case estimator
        /// The Hugging Face Trainer.
        case huggingFace = "huggingface"
        /// PyTorch Lightning's `ModelCheckpoint`.
        case lightning
        /// Keras 3's `ModelCheckpoint`.
        case keras
        /// Orbax's `CheckpointManager`.
        case orbax
        /// A user's template.
        case template
    }

    /// Which of several evaluations with the same metric value is the best.
    public enum TieRule: Sendable, Hashable {
        /// The earliest (TensorFlow, Hugging Face, Lightning, Keras: a later
        /// evaluation must be strictly better).
        case earliest
        /// The latest (Orbax's `best_step()`: a stable sort by the metric,
        /// the last of the sorted checkpoints).
        case latest
    }

    /// The preset.
    public let preset: Preset
    /// Where checkpoints are; nil for ``estimator`` (the `checkpoint` file).
    public let template: CheckpointTemplate?
    /// The number in a checkpoint's name minus the step of its logged
    /// evaluation: 0 when the name carries the global step, 1 for Keras's
    /// `{epoch}` (counted from 1, logged from 0).
    public let offset: Int64
    /// The evaluations' event files, relative to the model directory.
    public let evalPattern: String
    /// The metric compared when none is given.
    public let defaultMetric: String
    /// Which evaluation wins a tie.
    public let ties: TieRule

    /// TensorFlow's layout (the default).
    public static let estimator = CheckpointLayout(preset: .estimator, template: nil, offset: 0,
                                                   evalPattern: "eval/*.tfevents.*", defaultMetric: "loss", ties: .earliest)

    /// The Hugging Face Trainer: MODEL_DIR is its `output_dir`.
    public static var huggingFace: CheckpointLayout {
        CheckpointLayout(preset: .huggingFace, template: known("checkpoint-{step}"), offset: 0,
                         evalPattern: "runs/*/events.out.tfevents.*", defaultMetric: "eval/loss", ties: .earliest)
    }

    /// PyTorch Lightning: MODEL_DIR is the logger's `version_<n>/`;
    /// `filename` is what was given to `ModelCheckpoint(filename=...)`,
    /// with Lightning's automatic metric names (`{epoch}` → `epoch={epoch}`),
    /// under `checkpoints/` with `.ckpt` appended; without one, any
    /// `checkpoints/*step=<s>*.ckpt` (the default `epoch=E-step=S.ckpt`,
    /// names with metrics after it, `-v1` versions). A `filename` holding
    /// a `/` is taken as a whole path template instead, as written on disk.
    ///
    /// Lightning logs a validation at the global step minus one and names
    /// the checkpoint saved after it with the global step: `step=16` holds
    /// the weights evaluated at logged step 15 (offset 1). That holds for
    /// `every_n_train_steps` saves too: `step=S` holds the weights
    /// evaluated at logged step `S - 1` when a validation ran there.
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)`` when the name has no `{step}`.
    public static func lightning(filename: String? = nil) throws(ExportError) -> CheckpointLayout {
        let given = filename ?? "*step={step}*"
        let text = filename == nil ? "checkpoints/*step={step}*.ckpt"
            : given.contains("/") ? given : "checkpoints/" + autoInsertMetricNames(given) + ".ckpt"
        let template = try CheckpointTemplate(text)
        guard template.hasStep else {
            throw .invalidArgument(.invalidCheckpointTemplate(
                given, "Lightning logs evaluations by global step, so the name needs {step} to be matched to them"))
        }
        return CheckpointLayout(preset: .lightning, template: template, offset: 1,
                                evalPattern: "events.out.tfevents.*", defaultMetric: "val_loss", ties: .earliest)
    }

    /// Keras 3: MODEL_DIR is where training ran (`TensorBoard(log_dir="logs")`
    /// writes `logs/validation/`); `filepath` is what was given to
    /// `ModelCheckpoint(filepath=...)`, relative to it. `{epoch}` in file
    /// names counts from 1 and the logged step from 0.
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)`` without `{epoch}`.
    public static func keras(filepath: String) throws(ExportError) -> CheckpointLayout {
        let template = try CheckpointTemplate(filepath)
        guard template.hasEpoch || template.hasStep else {
            throw .invalidArgument(.invalidCheckpointTemplate(
                filepath, "a name without {epoch} is overwritten by every save, so it cannot be matched to an evaluation"))
        }
        return CheckpointLayout(preset: .keras, template: template, offset: template.hasStep ? 0 : 1,
                                evalPattern: "logs/validation/events.out.tfevents.*", defaultMetric: "epoch_loss",
                                ties: .earliest)
    }

    /// Orbax: `<root>/<step>/` directories of a `CheckpointManager`;
    /// only committed ones count (on a disk Orbax writes
    /// `<step>.orbax-checkpoint-tmp-<n>` and renames it; in a bucket it
    /// writes `commit_success.txt` last).
    public static func orbax(root: String = "checkpoints") -> CheckpointLayout {
        let text = root.isEmpty || root == "." ? "{step}" : root + "/{step}"
        return CheckpointLayout(preset: .orbax, template: known(text), offset: 0,
                                evalPattern: "eval/*.tfevents.*", defaultMetric: "loss", ties: .latest)
    }

    /// Anything else: `template` relative to the model directory; the
    /// number in `{step}` (or, without one, `{epoch}`) minus `offset` is the
    /// logged step of the checkpoint's evaluation.
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)`` without `{step}` or `{epoch}`.
    public static func template(_ text: String, offset: Int64 = 0, evalPattern: String = "eval/*.tfevents.*",
                                defaultMetric: String = "loss") throws(ExportError) -> CheckpointLayout {
        try CheckpointLayout(preset: .template, template: nil, offset: offset, evalPattern: evalPattern,
                             defaultMetric: defaultMetric, ties: .earliest).with(template: text)
    }

    /// The same layout with its checkpoints at `text` instead.
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)`` without `{step}` or `{epoch}`.
    public func with(template text: String) throws(ExportError) -> CheckpointLayout {
        let template = try CheckpointTemplate(text)
        guard template.hasStep || template.hasEpoch else {
            throw .invalidArgument(.invalidCheckpointTemplate(text, "it needs {step} or {epoch} to match checkpoints to evaluations"))
        }
        return CheckpointLayout(preset: preset, template: template, offset: offset, evalPattern: evalPattern,
                                defaultMetric: defaultMetric, ties: ties)
    }

    /// The same layout with another offset.
    public func with(offset: Int64) -> CheckpointLayout {
        CheckpointLayout(preset: preset, template: template, offset: offset, evalPattern: evalPattern,
                         defaultMetric: defaultMetric, ties: ties)
    }

    /// The finder for `modelDirectory`.
    public func finder(modelDirectory: String) -> any CheckpointFinder {
        guard template != nil else { return CheckpointLocator(modelDirectory: modelDirectory) }
        return TemplateCheckpointFinder(modelDirectory: modelDirectory, layout: self)
    }

    /// `huggingface (checkpoint-{step})`.
    public var description: String {
        guard let template else { return preset.rawValue }
        return "\(preset.rawValue) (\(template.text)" + (offset != 0 ? ", name = step + \(offset)" : "") + ")"
    }

    /// Lightning's `auto_insert_metric_name`: `{epoch}` → `epoch={epoch}`.
    static func autoInsertMetricNames(_ filename: String) -> String {
        var out = ""
        var rest = filename[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            let nameEnd = after.firstIndex { $0 == "}" || $0 == ":" } ?? after.endIndex
            let name = after[..<nameEnd]
            out += name.isEmpty ? "{" : name + "={"
            rest = after
        }
        return out + rest
    }

    /// A preset's own template (valid by construction).
    private static func known(_ text: String) -> CheckpointTemplate {
        // The presets' templates parse; a failure here is a bug in this file.
        (try? CheckpointTemplate(text)) ?? CheckpointTemplate.unparsed(text)
    }

    init(preset: Preset, template: CheckpointTemplate?, offset: Int64, evalPattern: String, defaultMetric: String,
         ties: TieRule) {
        self.preset = preset
        self.template = template
        self.offset = offset
        self.evalPattern = evalPattern
        self.defaultMetric = defaultMetric
        self.ties = ties
    }
}
