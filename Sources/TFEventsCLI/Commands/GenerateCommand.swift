import ArgumentParser
import TFEvents
import TFEventsSynthetic

/// `tfevents generate`: deterministic corpora for benchmarks and demos.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic log directory (for benchmarks, tests and demos).",
        discussion: """
        Kinds:
          eval      Estimator-style evaluation logs in DIR/eval/ (1-8 scalars per
                    event, `loss` in most), --files files of --size bytes in all;
                    TF1 simple_value and TF2 tensor files alternate unless
                    --encoding is given. `tfevents best DIR` reads them.
          training  a training log in DIR/train/: scalars every step, histograms
                    every 10 steps, a 48 KiB image every 20 steps (images are
                    most of the bytes).
          small     --files small evaluation logs spread over --runs runs
                    (DIR/run_0000/...), as a sweep of many short experiments
                    leaves them.
          stream    one scalar per event in DIR/train/, six tags in turn at every
                    step (`loss` first), as Keras' TensorBoard callback,
                    tf.summary.scalar, PyTorch's add_scalar and the Hugging Face
                    Trainer write them; TF2 tensors and TF1 simple_value files
                    alternate unless --encoding is tf1 or tf2.

        The same arguments always give the same bytes. A JSON summary goes to stdout, including \
        the step with the smallest `loss` that a correct reader must find.

        Examples:
          tfevents generate /tmp/corpus/eval --kind eval --size 1G --files 8
          tfevents generate /tmp/corpus/small --kind small --size 128M \\
              --files 2000 --runs 200
          tfevents generate /tmp/corpus/stream --kind stream --size 256M --files 2
        """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case eval, training, small, stream }
    enum Encoding: String, ExpressibleByArgument, CaseIterable { case alternate, tf1, tf2, mixed }

    @Argument(help: "Directory to create (or add to).")
    var directory: String

    @Option(help: "eval, training, small or stream.")
    var kind: Kind = .eval

    @Option(help: "Total size: bytes, or with a K, M or G suffix (binary).", transform: GenerateCommand.parseSize)
    var size: Int = 64 << 20

    @Option(help: "Number of event files (default: 8 for eval, 1 for training and stream, 2000 for small).")
    var files: Int?

    @Option(help: "Runs for --kind small.")
    var runs: Int = 200

    @Option(help: "Scalar encoding: alternate (per file), tf1, tf2, or mixed (per event).")
    var encoding: Encoding = .alternate

    @Option(help: "Seed of the generators.")
    var seed: UInt64 = 1

    static func parseSize(_ text: String) throws -> Int {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text.uppercased())
        var multiplier = 1
        if let unit = digits.last, let factor = units[unit] {
            multiplier = factor
            digits = digits.dropLast()
        }
        guard let value = Double(digits), value > 0 else { throw ValidationError("bad size '\(text)'") }
        return Int(value * Double(multiplier))
    }

    func validate() throws {
        if let files, files < 1 { throw ValidationError("--files must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if kind == .stream && encoding == .mixed {
            throw ValidationError("--kind stream writes one value per event: --encoding tf1, tf2 or alternate (per file)")
        }
    }

    func run() throws {
        let fileCount = files ?? (kind == .eval ? 8 : kind == .small ? 2000 : 1)
        let perFile = max(1, size / fileCount)
        var totalBytes = 0, totalEvents = 0, totalScalars = 0
        var best: (step: Int64, value: Float, file: String)?
        for index in 0 ..< fileCount {
            let subdirectory: String
            switch kind {
            case .eval: subdirectory = "eval"
            case .training, .stream: subdirectory = "train"
            case .small: subdirectory = "run_" + pad(index % runs, 4)
            }
            let folder = directory + "/" + subdirectory
            try makeDirectories(folder)
            let path = folder + "/events.out.tfevents.\(1_600_000_000 + index).synthetic"
            let fileSeed = seed &* 1_000_003 &+ UInt64(index)  // a hash of the seed: wrapping intended
            let writer = try RecordWriter(path: path, bufferCapacity: 4 << 20)
            // Writes one file of `source`, adding what it holds to the totals.
            func generate<Source: SyntheticEventSource>(_ source: Source,
                                                        _ holds: (Source) -> (points: Int, bestLoss: (step: Int64, value: Float)?)) throws {
                var source = source
                let written = try SyntheticLog.write(&source, to: writer, limit: .bytes(perFile))
                totalBytes += written.bytes
                totalEvents += written.records
                let (points, bestLoss) = holds(source)
                totalScalars += points
                if let loss = bestLoss, best.map({ loss.value < $0.value }) ?? true { best = (loss.step, loss.value, path) }
            }
            switch kind {
            case .eval, .small:
                try generate(EvalLogGenerator(seed: fileSeed, encoding: evalEncoding(index))) {
                    ($0.statistics.scalarPoints, $0.statistics.bestLoss.map { ($0.step, $0.value) })
                }
            case .stream:
                try generate(ScalarStreamGenerator(seed: fileSeed, style: streamStyle(index))) {
                    ($0.statistics.scalarPoints, $0.statistics.bestLoss)
                }
            case .training:
                try generate(TrainingLogGenerator(seed: fileSeed, style: scalarStyle(index))) {
                    ($0.statistics.scalarPoints, $0.statistics.bestLoss)
                }
            }
            try writer.close()
        }
        let bestLoss = best.map {
            OutputValue.record(OutputRecord([("step", .integer($0.step)), ("value", .number(Double($0.value))),
                                             ("file", .string($0.file))]))
        } ?? .null
        RecordOutput.single(OutputRecord([
            ("directory", .string(directory)), ("kind", .string(kind.rawValue)),
            ("files", .int(fileCount)), ("bytes", .int(totalBytes)), ("events", .int(totalEvents)),
            ("scalar_points", .int(totalScalars)), ("best_loss", bestLoss),
        ]), format: .json)
        StandardOutput.shared.flush()
    }

    private func evalEncoding(_ index: Int) -> EvalLogGenerator.Encoding {
        switch encoding {
        case .tf1: return .simpleValue
        case .tf2: return .tf2Tensor
        case .mixed: return .mixed
        case .alternate: return index % 2 == 0 ? .simpleValue : .tf2Tensor
        }
    }

    private func scalarStyle(_ index: Int) -> EventRecord.ScalarStyle {
        switch encoding {
        case .tf2: return .tf2Tensor
        case .alternate: return index % 2 == 0 ? .simpleValue : .tf2Tensor
        default: return .simpleValue
        }
    }

    /// TF2 tensors first (Keras, tf.summary), then TF1 simple values
    /// (PyTorch), alternating; or what --encoding says.
    private func streamStyle(_ index: Int) -> EventRecord.ScalarStyle {
        switch encoding {
        case .tf1: return .simpleValue
        case .tf2: return .tf2Tensor
        default: return index % 2 == 0 ? .tf2Tensor : .simpleValue
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    private func makeDirectories(_ path: String) throws {
        do { try Directories.create(path) } catch {
            StandardError.report("\(path): cannot create directory: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}
