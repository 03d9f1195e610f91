import TFEventsCore

/// Generates a deterministic log of one scalar per event, cycling through a
/// fixed list of tags at every step: what Keras' TensorBoard callback,
/// TF2's `tf.summary.scalar`, PyTorch's `add_scalar` and the Hugging Face
/// Trainer write (each value its own event, the tags in the same order at
/// every step).
///
/// Events are small (about 55 bytes with `simple_value`), so a log of a
/// given size holds several times the events of an evaluation log: the
/// case where per-event costs (framing, the tag lookup) dominate.
/// ``statistics`` tells what a correct reader must find.
public struct ScalarStreamGenerator: SyntheticEventSource, Sendable {
    /// What has been generated so far.
    public struct Statistics: Hashable, Sendable {
        /// Events, the `file_version` event included.
        public var events = 0
        /// Scalar points.
        public var scalarPoints = 0
        /// The step with the smallest `loss` (first on ties) and its value.
        public var bestLoss: (step: Int64, value: Float)?

        public static func == (a: Statistics, b: Statistics) -> Bool {
            a.events == b.events && a.scalarPoints == b.scalarPoints && a.bestLoss?.step == b.bestLoss?.step
                && a.bestLoss?.value == b.bestLoss?.value
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(events)
            hasher.combine(scalarPoints)
        }
    }

    /// The tags, in the order every step writes them.
    public static let tags = ["loss", "accuracy", "learning_rate", "val_loss", "val_accuracy", "grad_norm"]

    /// The seed everything derives from.
    public let seed: UInt64
    /// How scalars are encoded.
    public let style: EventRecord.ScalarStyle
    /// Counts so far.
    public private(set) var statistics = Statistics()

    private var random: SplitMix64
    private var step: Int64 = 0
    private var position = 0
    private var wallTimeMicroseconds: Int64 = 1_600_000_000_000_000
    private var loss: Double
    private var accuracy: Double

    /// A generator for `seed`.
    public init(seed: UInt64, style: EventRecord.ScalarStyle = .tf2Tensor) {
        self.seed = seed
        self.style = style
        random = SplitMix64(seed: seed)
        loss = 2 + random.nextUnit()
        accuracy = 0.1 + 0.1 * random.nextUnit()
    }

    /// Encodes the next event.
    public mutating func encodeNextEvent(into encoder: inout EventEncoder) {
        defer { statistics.events += 1 }
        if statistics.events == 0 {
            encoder.encode(.fileVersion(wallTime: Double(wallTimeMicroseconds / 1_000_000)))
            return
        }
        if position == 0 {
            step += 1
            loss = max(0.01, loss * 0.999 + 0.01 * random.nextGaussianish())
            accuracy = min(1, max(0, accuracy + 0.0005 + 0.005 * random.nextGaussianish()))
        }
        let value: Float
        switch position {
        case 0: value = Float(loss)
        case 1, 4: value = Float(accuracy + 0.01 * random.nextGaussianish())
        case 2: value = Float(0.001 * (1 - Double(step % 100_000) / 100_000))
        case 3: value = Float(loss * 1.1 + 0.02 * random.nextGaussianish())
        default: value = Float(1 + random.nextUnit())
        }
        wallTimeMicroseconds += 200 + Int64(random.nextInt(below: 2_000))
        encoder.encodeScalars(wallTime: Double(wallTimeMicroseconds) / 1_000_000, step: step,
                              [(tag: Self.tags[position], value: value, style: style)])
        statistics.scalarPoints += 1
        if position == 0, statistics.bestLoss.map({ value < $0.value }) ?? true { statistics.bestLoss = (step, value) }
        position = (position + 1) % Self.tags.count
    }
}
