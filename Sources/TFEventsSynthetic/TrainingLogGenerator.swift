import TFEventsCore

/// Generates a deterministic *training* log: what a training loop with
/// TensorBoard summaries leaves behind, as large as wanted.
///
/// After the `file_version` event, every step writes `loss` and
/// `learning_rate` scalars; every `histogramInterval` steps a histogram of
/// each of four weight matrices (a `HistogramProto` with 30 buckets); every
/// `imageInterval` steps an image summary whose encoded image is
/// `imageBytes` of PNG-signed noise (incompressible, like real pictures).
/// With the defaults about nine tenths of the bytes are images, as in logs
/// of vision models.
///
/// ``statistics`` tells what a correct reader must find.
public struct TrainingLogGenerator: SyntheticEventSource, Sendable {
    /// What has been generated so far.
    public struct Statistics: Hashable, Sendable {
        /// Events, the `file_version` event included.
        public var events = 0
        /// Scalar points.
        public var scalarPoints = 0
        /// Histogram points.
        public var histograms = 0
        /// Image points.
        public var images = 0
        /// The step with the smallest `loss` (first on ties) and its value.
        public var bestLoss: (step: Int64, value: Float)?

        public static func == (a: Statistics, b: Statistics) -> Bool {
            a.events == b.events && a.scalarPoints == b.scalarPoints && a.histograms == b.histograms
                && a.images == b.images && a.bestLoss?.step == b.bestLoss?.step && a.bestLoss?.value == b.bestLoss?.value
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(events)
            hasher.combine(scalarPoints)
        }
    }

    /// The seed everything derives from.
    public let seed: UInt64
    /// How scalars are encoded.
    public let style: EventRecord.ScalarStyle
    /// Steps between histogram events.
    public let histogramInterval: Int64
    /// Steps between image events.
    public let imageInterval: Int64
    /// Encoded bytes of each image.
    public let imageBytes: Int
    /// Counts so far.
    public private(set) var statistics = Statistics()

    private var random: SplitMix64
    private var step: Int64 = 0
    private var wallTimeMicroseconds: Int64 = 1_600_000_000_000_000
    private var pendingKind = 0  // 0 scalars, 1 histograms, 2 image for the current step
    private var loss: Double
    private var image: [UInt8]

    /// A generator for `seed`.
    public init(seed: UInt64, style: EventRecord.ScalarStyle = .simpleValue, histogramInterval: Int64 = 10,
                imageInterval: Int64 = 20, imageBytes: Int = 48 << 10) {
        self.seed = seed
        self.style = style
        self.histogramInterval = max(1, histogramInterval)
        self.imageInterval = max(1, imageInterval)
        self.imageBytes = max(16, imageBytes)
        random = SplitMix64(seed: seed)
        loss = 2 + random.nextUnit()
        image = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        image.reserveCapacity(self.imageBytes)
        while image.count < self.imageBytes { image.append(UInt8(truncatingIfNeeded: random.next())) }
    }

    /// Encodes the next event.
    public mutating func encodeNextEvent(into encoder: inout EventEncoder) {
        defer { statistics.events += 1 }
        if statistics.events == 0 {
            encoder.encode(.fileVersion(wallTime: Double(wallTimeMicroseconds / 1_000_000)))
            return
        }
        let wallTime = Double(wallTimeMicroseconds) / 1_000_000
        switch pendingKind {
        case 1:
            var values: [EventRecord.Value] = []
            for layer in 0 ..< 4 { values.append(histogram(layer: layer)) }
            encoder.encode(EventRecord(wallTime: wallTime, step: step, what: .summary(values)))
            statistics.histograms += values.count
            pendingKind = step % imageInterval == 0 ? 2 : 0
        case 2:
            // A fresh image each time: perturb a few bytes so no two are equal.
            for _ in 0 ..< 8 { image[8 + random.nextInt(below: image.count - 8)] = UInt8(truncatingIfNeeded: random.next()) }
            let value = EventRecord.Value(tag: "samples/input", metadata: nil,
                                          value: .image(EventRecord.Image(height: 128, width: 128, colorspace: 3, encoded: image)))
            encoder.encode(EventRecord(wallTime: wallTime, step: step, what: .summary([value])))
            statistics.images += 1
            pendingKind = 0
        default:
            step += 1
            wallTimeMicroseconds += 50_000 + Int64(random.nextInt(below: 100_000))
            loss = max(0.01, loss * 0.9995 + 0.01 * random.nextGaussianish())
            let learningRate = Float(0.1 * (1 - Double(step % 100_000) / 100_000))
            let written = Float(loss)
            encoder.encodeScalars(wallTime: Double(wallTimeMicroseconds) / 1_000_000, step: step,
                                  [(tag: "loss", value: written, style: style),
                                   (tag: "learning_rate", value: learningRate, style: style)])
            statistics.scalarPoints += 2
            if statistics.bestLoss.map({ written < $0.value }) ?? true { statistics.bestLoss = (step, written) }
            if step % histogramInterval == 0 {
                pendingKind = 1
            } else if step % imageInterval == 0 {
                pendingKind = 2
            }
        }
    }

    private mutating func histogram(layer: Int) -> EventRecord.Value {
        var limits: [Double] = []
        var counts: [Double] = []
        let spread = 0.5 + Double(layer) * 0.25
        var total = 0.0
        for bucket in 0 ..< 30 {
            limits.append(-spread + 2 * spread * Double(bucket + 1) / 30)
            let count = Double(random.nextInt(below: 200))
            counts.append(count)
            total += count
        }
        let histogram = EventRecord.Histogram(min: -spread, max: spread, num: total, sum: total * 0.01,
                                              sumSquares: total * spread, bucketLimits: limits, buckets: counts)
        return EventRecord.Value(tag: "weights/layer_\(layer)", value: .histogram(histogram))
    }
}
