import ArgumentParser
import Synchronization
import TFEvents

/// `--layout`: the framework whose checkpoints MODEL_DIR holds.
enum LayoutChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, estimator, huggingface, lightning, keras, orbax

    static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The options that say where checkpoints are: `--layout`, `--checkpoint`,
/// `--checkpoint-offset`.
struct LayoutOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        The framework that wrote MODEL_DIR: \(LayoutChoice.list). auto (the default) recognises it from \
        what is on disk and says on stderr which it chose when it is not estimator.
        """, valueName: "name"))
    var layout: LayoutChoice = .auto

    @Option(name: .customLong("checkpoint"), help: ArgumentHelp("""
        Where checkpoints are, relative to MODEL_DIR, with {step}, {epoch}, metric fields ({val_loss:.4f}) \
        and * (keras: the filepath given to ModelCheckpoint; lightning: its filename argument; otherwise \
        a template of its own).
        """, valueName: "template"))
    var checkpoint: String?

    @Option(name: .customLong("checkpoint-offset"), help: ArgumentHelp("""
        The number in a checkpoint's name minus the logged step of its evaluation (default 0; keras 1: \
        {epoch} counts from 1, the logged step from 0).
        """, valueName: "n"))
    var offset: Int64?

    func validate() throws {
        if layout == .estimator && checkpoint != nil {
            throw ValidationError("--checkpoint does not apply to --layout estimator (its checkpoints are found through the checkpoint file).")
        }
    }

    /// The layout for `modelDirectory`, resolved once per process.
    ///
    /// - Throws: exit status 2, with the reason on stderr, when the layout
    ///   cannot be used (Keras without `--checkpoint`, a template without `{step}`).
    func resolve(modelDirectory: String) throws -> CheckpointLayout {
        let key = "\(layout.rawValue)\u{0}\(checkpoint ?? "")\u{0}\(offset.map(String.init) ?? "")\u{0}\(modelDirectory)"
        if let known = Self.resolved.withLock({ $0[key] }) { return known }
        var chosen: CheckpointLayout
        var evidence: String?
        do {
            (chosen, evidence) = try choose(modelDirectory: modelDirectory)
        } catch let error as ExportError {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        if let offset { chosen = chosen.with(offset: offset) }
        if let evidence {
            StandardError.report("layout: \(chosen) (\(evidence); --layout to choose another)")
        }
        let result = chosen
        Self.resolved.withLock { $0[key] = result }
        return result
    }

    /// The layout, and for `auto`, what it was recognised from (reported).
    private func choose(modelDirectory: String) throws -> (CheckpointLayout, String?) {
        switch layout {
        case .estimator: return (.estimator, nil)
        case .huggingface: return (try checkpoint.map { try CheckpointLayout.huggingFace.with(template: $0) } ?? .huggingFace, nil)
        case .lightning: return (try .lightning(filename: checkpoint), nil)
        case .orbax: return (try checkpoint.map { try CheckpointLayout.orbax().with(template: $0) } ?? .orbax(), nil)
        case .keras:
            guard let checkpoint else { throw ExportError.invalidArgument(.checkpointTemplateRequired(layout: "keras", example: Self.kerasExample)) }
            return (try .keras(filepath: checkpoint), nil)
        case .auto:
            let detection = CheckpointLayout.detect(modelDirectory: modelDirectory)
            let layout: CheckpointLayout
            switch detection.preset {
            case .keras:
                guard let checkpoint else {
                    throw ExportError.invalidArgument(.checkpointTemplateRequired(layout: "keras (recognised from logs/validation/)", example: Self.kerasExample))
                }
                layout = try .keras(filepath: checkpoint)
            case .lightning:
                layout = try .lightning(filename: checkpoint)
            case .estimator:
                guard let checkpoint else { return (.estimator, nil) }
                return (try .template(checkpoint), "from --checkpoint")
            default:
                let found = detection.layout ?? .estimator
                layout = try checkpoint.map { try found.with(template: $0) } ?? found
            }
            return (layout, "recognised from \(detection.evidence)")
        }
    }

    static let kerasExample = "ckpt/epoch{epoch:02d}-{val_loss:.4f}.weights.h5"

    /// Layouts already resolved (and reported) in this process.
    private static let resolved = Mutex<[String: CheckpointLayout]>([:])
}
