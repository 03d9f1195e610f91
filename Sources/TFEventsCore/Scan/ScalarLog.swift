import TFRecord

/// Every scalar of some event files, read directly and kept as values: the
/// short way to get at the numbers of a file or a log directory.
///
/// ```swift
/// let log = try ScalarLog(reading: "logs")          // a file or a directory, any compression
/// for point in log.points where point.tag == "loss" {
///     print(point.path, point.step, point.value)
/// }
/// for file in log.files where file.hasCorruption {  // damage is skipped, never fatal
///     print(file.path, file.issues.map(\.offset))
/// }
/// ```
///
/// Damaged records are skipped and listed with their offsets in
/// ``files``; everything before and after them is kept, as `tfevents scan`
/// does. Points are in file order, files in the byte order of their paths.
/// For logs too large to hold in memory, use ``FileScanner`` (a callback
/// per point, nothing kept) or the index of `TFEventsIndex`.
public struct ScalarLog: Sendable {
    /// One scalar point.
    public struct Point: Sendable, Hashable {
        /// The event file it was read from.
        public var path: String
        /// The summary value's tag.
        public var tag: String
        /// The event's step.
        public var step: Int64
        /// The event's wall time, in seconds since 1970.
        public var wallTime: Double
        /// The value, NaN and infinities as written.
        public var value: Double
        /// How the writer stored it (FORMAT §4.1).
        public var encoding: ScalarValue.Encoding

        /// A point.
        public init(path: String, tag: String, step: Int64, wallTime: Double, value: Double,
                    encoding: ScalarValue.Encoding) {
            self.path = path
            self.tag = tag
            self.step = step
            self.wallTime = wallTime
            self.value = value
            self.encoding = encoding
        }
    }

    /// What was read from each file: counts, compression, and every problem
    /// with its offset.
    public private(set) var files: [FileScanSummary] = []
    /// The points, file by file, in file order.
    public private(set) var points: [Point] = []
    /// Special files with event-file names found in directories, not read.
    public private(set) var skipped: [EventFileDiscovery.Skipped] = []

    /// Reads `paths`: files as given, directories as every event file below
    /// them (``EventFileDiscovery/expand(_:)``).
    ///
    /// - Parameters:
    ///   - paths: files or directories.
    ///   - tags: keeps only the points whose tag it accepts (all when nil);
    ///     asked once per tag and file.
    ///   - options: record options (checksums, limits, recovery policies).
    /// - Throws: the first path that cannot be read at all (missing, not
    ///   permitted). A file that opens but is damaged does not throw.
    public init(reading paths: String..., tags: ((String) -> Bool)? = nil,
                options: RecordReaderOptions = .init()) throws(EventFileDiscovery.Failure) {
        let found = EventFileDiscovery.expand(paths)
        if let failure = found.failures.first { throw failure }
        skipped = found.skipped
        let files = found.files
        let scanner = FileScanner(options: options)
        for path in files {
            // Tag strings are made once per tag of a file, not per point.
            var names: [String?] = []
            var kept: [Bool] = []
            var found: [Point] = []
            let summary = scanner.scan(path: path) { point in
                while names.count <= point.tagID {
                    names.append(nil)
                    kept.append(false)
                }
                if names[point.tagID] == nil {
                    let name = point.tag
                    names[point.tagID] = name
                    kept[point.tagID] = tags?(name) ?? true
                }
                guard kept[point.tagID], let name = names[point.tagID] else { return }
                found.append(Point(path: path, tag: name, step: point.step, wallTime: point.wallTime,
                                   value: point.scalar.value, encoding: point.scalar.encoding))
            }
            self.files.append(summary)
            self.points += found
        }
    }

    /// The points of one tag, in order.
    public func points(tag: String) -> [Point] {
        points.filter { $0.tag == tag }
    }
}
