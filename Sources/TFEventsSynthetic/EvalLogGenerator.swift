import TFRecord
import TFEventsCore

/// Generates a deterministic evaluation log: what `Estimator.evaluate`
/// leaves in `model_dir/eval/`, as large as wanted.
///
/// The stream is the file's `file_version` event (integer-second wall
/// time, as TensorFlow's C++ writer) followed by one summary event per
/// evaluation: steps increase by a fixed evaluation interval (sometimes a
/// little more, like the final evaluation of a run), wall times by 20 s to
/// 10 min, and each event holds 1 to 8 scalar metrics with Estimator's tags
/// (`loss` in about 90 % of events). Values follow noisy learning curves
/// computed with IEEE arithmetic only (no `exp` or `log`, whose last bit may
/// differ between C libraries), so the same seed gives the same bytes
/// everywhere.
///
/// ``statistics`` tells what a correct reader must find: counts, and which
/// evaluation had the smallest `loss` (the first one on ties, as
/// `BestExporter`'s strict comparison picks).
///
/// ```swift
/// let report = try EvalLogGenerator.writeFile(path: "/tmp/eval/events.out.tfevents.1600000000.synthetic",
///                                             seed: 42, encoding: .simpleValue, limit: .bytes(256 << 20))
/// print(report.bestLoss?.step)
/// ```
public struct EvalLogGenerator: SyntheticEventSource, Sendable {
    /// How scalar points are encoded.
    public enum Encoding: Hashable, Sendable, CaseIterable {
        /// TF1 / Estimator `simple_value`.
        case simpleValue
        /// TF2 `tf.summary.scalar` tensors (FORMAT §1.4 R2 style).
        case tf2Tensor
        /// Each event picks one of the two at random.
        case mixed
    }

    /// The evaluation with the smallest `loss`.
    public struct BestLoss: Hashable, Sendable {
        /// `Event.step` of that evaluation.
        public var step: Int64
        /// The loss as written (float32).
        public var value: Float
        /// `Event.wall_time` of that evaluation.
        public var wallTime: Double
        /// Index of the event (and record) in the file; the `file_version`
        /// event is index 0.
        public var eventIndex: Int
    }

    /// What has been generated so far.
    public struct Statistics: Hashable, Sendable {
        /// Events generated, the `file_version` event included. Each event is one record.
        public var events = 0
        /// Scalar points (summary values) in all events.
        public var scalarPoints = 0
        /// Points tagged `loss`.
        public var lossPoints = 0
        /// Points encoded as `simple_value`.
        public var simpleValuePoints = 0
        /// Points encoded as TF2 tensors.
        public var tensorPoints = 0
        /// The step of the last summary event (0 before the first).
        public var lastStep: Int64 = 0
        /// The evaluation with the smallest loss, nil while there is none.
        public var bestLoss: BestLoss?
    }

    /// The statistics and size of a generated file or buffer.
    public struct Report: Hashable, Sendable {
        /// What the events hold.
        public var statistics: Statistics
        /// Records written (equal to `statistics.events`).
        public var records: Int
        /// Bytes written.
        public var bytes: Int
        /// Shortcut for `statistics.bestLoss`.
        public var bestLoss: BestLoss? { statistics.bestLoss }
    }

    /// The tags an Estimator evaluation writes, in the order it writes them.
    public static let tags: [String] = [
        "accuracy", "accuracy_baseline", "auc", "auc_precision_recall", "average_loss",
        "label/mean", "loss", "precision", "prediction/mean", "recall", "mean_absolute_error",
    ]
    private static let lossTagIndex = 6
    private static let lossBit: UInt32 = 1 << 6

    /// Every set of tags without `loss`, as bit sets over ``tags``, grouped by
    /// size: drawing a set of k metrics is one table lookup.
    private static let subsetsBySize: [[UInt32]] = {
        var groups = [[UInt32]](repeating: [], count: tags.count)
        for mask in UInt32(0) ..< (1 << UInt32(tags.count)) where mask & lossBit == 0 {
            groups[mask.nonzeroBitCount].append(mask)
        }
        return groups
    }()

    /// The scalar templates of every tag, `simple_value` first, then TF2 tensors.
    private static let templates = EventEncoder.ScalarTemplates(
        tags.map { (tag: $0, style: .simpleValue) } + tags.map { (tag: $0, style: .tf2Tensor) })
    private static let stepIntervals: [Int64] = [50, 100, 200, 250, 500, 1000]

    /// The seed everything derives from.
    public let seed: UInt64
    /// How scalars are encoded.
    public let encoding: Encoding
    /// The `wall_time` of the `file_version` event; evaluations follow it.
    public let startWallTime: Double
    /// Counts and the best loss of the events generated so far.
    public private(set) var statistics = Statistics()

    private var random: SplitMix64
    private let stepInterval: Int64
    private var step: Int64 = 0
    private var wallTimeMicroseconds: Int64
    // Learning curve: loss = floor + amplitude * decay, decay *= rate per evaluation.
    private let lossFloor: Double
    private let lossAmplitude: Double
    private let decayRate: Double
    private var decay = 1.0
    /// The points of the event being encoded, reused from event to event.
    private var points: [(template: Int, value: Float)] = []
    private let labelMean: Double

    /// A generator for `seed`.
    ///
    /// - Parameters:
    ///   - startWallTime: `wall_time` of the first event; rounded down to a
    ///     whole second, as TensorFlow's C++ writer stamps `file_version`.
    public init(seed: UInt64, encoding: Encoding = .simpleValue, startWallTime: Double = 1_600_000_000) {
        self.seed = seed
        self.encoding = encoding
        self.startWallTime = startWallTime.rounded(.down)
        random = SplitMix64(seed: seed)
        stepInterval = Self.stepIntervals[random.nextInt(below: Self.stepIntervals.count)]
        wallTimeMicroseconds = Int64(self.startWallTime) * 1_000_000
        lossFloor = 0.05 + 0.3 * random.nextUnit()
        lossAmplitude = 0.5 + 2 * random.nextUnit()
        // Between about 30 and 3000 evaluations to get most of the way down.
        decayRate = 1 - (0.001 + 0.03 * random.nextUnit())
        labelMean = 0.2 + 0.6 * random.nextUnit()
    }

    /// Encodes the next event: `file_version` first, then evaluations.
    public mutating func encodeNextEvent(into encoder: inout EventEncoder) {
        defer { statistics.events += 1 }
        if statistics.events == 0 {
            encoder.encode(.fileVersion(wallTime: startWallTime))
            return
        }
        // Advance the evaluation clock.
        step += stepInterval
        if random.nextInt(below: 16) == 0 { step += Int64(random.nextInt(below: Int(stepInterval))) + 1 }
        wallTimeMicroseconds += 20_000_000 + Int64(random.nextInt(below: 580_000_000))
        let wallTime = Double(wallTimeMicroseconds) / 1_000_000
        decay *= decayRate

        // Which metrics this evaluation reports: 1...8 of them, `loss` in ~90 %.
        let count = 1 + random.nextInt(below: 8)
        let withLoss = random.nextInt(below: 10) != 0
        let others = Self.subsetsBySize[withLoss ? count - 1 : count]
        let chosen = others[random.nextInt(below: others.count)] | (withLoss ? Self.lossBit : 0)

        let style: EventRecord.ScalarStyle
        switch encoding {
        case .simpleValue: style = .simpleValue
        case .tf2Tensor: style = .tf2Tensor
        case .mixed: style = random.nextInt(below: 2) == 0 ? .simpleValue : .tf2Tensor
        }

        let loss = max(0.001, lossFloor + lossAmplitude * decay + 0.02 * random.nextGaussianish())
        let quality = 1 / (1 + loss)  // in (0, 1): rises as the loss falls
        let templateBase = style == .simpleValue ? 0 : Self.tags.count
        // Points refer to a template by index, in a buffer the generator
        // reuses: nothing is allocated or reference-counted per point.
        points.removeAll(keepingCapacity: true)
        for index in Self.tags.indices where chosen & (1 << UInt32(index)) != 0 {
            // Indices into `tags`; the switch avoids comparing strings.
            let value: Double
            switch index {
            case 6: value = loss                                                  // loss
            case 4: value = loss * (1 + 0.01 * random.nextGaussianish())          // average_loss
            case 5: value = labelMean                                             // label/mean
            case 8: value = labelMean + 0.05 * random.nextGaussianish() * decay   // prediction/mean
            case 1: value = max(labelMean, 1 - labelMean)                         // accuracy_baseline
            case 10: value = loss * 0.7                                           // mean_absolute_error
            default: value = min(1, max(0, quality + 0.02 * random.nextGaussianish()))
            }
            points.append((template: templateBase + index, value: Float(value)))
        }
        encoder.encodeScalars(wallTime: wallTime, step: step, templates: Self.templates, points)
        let pointCount = points.count

        statistics.scalarPoints += pointCount
        statistics.lastStep = step
        if style == .simpleValue {
            statistics.simpleValuePoints += pointCount
        } else {
            statistics.tensorPoints += pointCount
        }
        if withLoss {
            statistics.lossPoints += 1
            let written = Float(loss)
            // Strictly smaller wins: ties keep the earlier evaluation.
            if statistics.bestLoss.map({ written < $0.value }) ?? true {
                statistics.bestLoss = BestLoss(step: step, value: written, wallTime: wallTime,
                                               eventIndex: statistics.events)
            }
        }
    }

    // MARK: - Whole files

    /// Writes an evaluation log of `limit` to `path` (created or truncated).
    ///
    /// Uses a 4 MiB output buffer and one reused encoder: a 256 MiB file
    /// takes well under a second plus the disk's time.
    ///
    /// - Throws: ``WriteRecordError`` when the file cannot be written.
    public static func writeFile(path: String, seed: UInt64, encoding: Encoding = .simpleValue,
                                 limit: SyntheticLog.Limit) throws(WriteRecordError) -> Report {
        let writer = try RecordWriter(path: path, bufferCapacity: 4 << 20)
        var generator = EvalLogGenerator(seed: seed, encoding: encoding)
        let written = try SyntheticLog.write(&generator, to: writer, limit: limit)
        try writer.close()
        return Report(statistics: generator.statistics, records: written.records, bytes: written.bytes)
    }

    /// An evaluation log of `limit`, framed, in memory.
    public static func bytes(seed: UInt64, encoding: Encoding = .simpleValue,
                             limit: SyntheticLog.Limit) -> (bytes: [UInt8], report: Report) {
        var generator = EvalLogGenerator(seed: seed, encoding: encoding)
        let bytes = SyntheticLog.bytes(&generator, limit: limit)
        let report = Report(statistics: generator.statistics, records: generator.statistics.events, bytes: bytes.count)
        return (bytes, report)
    }
}
