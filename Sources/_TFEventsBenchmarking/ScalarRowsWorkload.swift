import TFEventsReport

/// Writing scalar points as the CSV rows of `tfevents scalars` with
/// ``ScalarTextRows``, as the command does: the start of a row (path and
/// tag) registered once per tag and copied as bytes, the step and wall time
/// formatted once per event, every value with the shortest digits that
/// read back to the same `Double`.
///
/// Not API: reached with `@_spi(Benchmarking) import _TFEventsBenchmarking`
/// by the `TextFormatter` suite of the nested `Benchmarks/` package. The
/// loop lives here, in the package that owns `ScalarTextRows`, so that what
/// is measured is the formatter and not a call across packages.
///
/// The rows go into one buffer, reused: whenever it holds
/// ``drainThreshold`` bytes it is handed to a sink that only counts them and
/// emptied, keeping its room. The buffer never grows as long as each row is
/// shorter than 4 KiB (the room it keeps beyond the threshold), so what a
/// run allocates is what `ScalarTextRows` allocates.
///
/// ```swift
/// var workload = ScalarRowsWorkload(path: "run/eval/events.out.tfevents.1", tags: ["loss", "accuracy"])
/// let bytes = workload.run(points)
/// ```
@_spi(Benchmarking)
public struct ScalarRowsWorkload {
    /// One scalar point.
    public struct Point: Sendable, Equatable {
        /// `Event.step`.
        public var step: Int64
        /// `Event.wall_time`.
        public var wallTime: Double
        /// The value.
        public var value: Double
        /// The index of the point's tag in the tags given to ``ScalarRowsWorkload/init(path:tags:drainThreshold:)``.
        public var tag: Int

        /// A point.
        public init(step: Int64, wallTime: Double, value: Double, tag: Int) {
            self.step = step
            self.wallTime = wallTime
            self.value = value
            self.tag = tag
        }
    }

    /// The buffer is drained when it holds this many bytes.
    public let drainThreshold: Int
    private var rows: ScalarTextRows
    /// The row start of each tag, as ``ScalarTextRows/rowPrefix(path:tag:)`` numbered it.
    private let prefixes: [Int]

    /// A CSV writer whose rows all have the path `path` and a tag of `tags`
    /// (both encoded here, once, as CSV fields).
    public init(path: String, tags: [String], drainThreshold: Int = 1 << 18) {
        self.drainThreshold = max(1, drainThreshold)
        var rows = ScalarTextRows(format: .csv, capacity: self.drainThreshold)
        let field = rows.field(path)
        prefixes = tags.map { rows.rowPrefix(path: field, tag: rows.field($0)) }
        self.rows = rows
    }

    /// Writes one row per point, in order.
    ///
    /// - Precondition: every point's `tag` indexes the tags given to init.
    /// - Returns: the number of bytes of text made (the header line left out).
    public mutating func run(_ points: [Point]) -> Int {
        var written = 0
        for point in points {
            let buffered = rows.append(prefix: prefixes[point.tag], step: point.step, wallTime: point.wallTime,
                                       value: point.value)
            if buffered >= drainThreshold {
                unsafe rows.drain { written &+= $0.count }
            }
        }
        unsafe rows.drain { written &+= $0.count }
        return written
    }
}
