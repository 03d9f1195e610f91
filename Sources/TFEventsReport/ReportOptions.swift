import TFEventsIndex
import TFEventsExport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// What a report shows and how it reads the directory.
public struct ReportOptions: Sendable {
    /// Only tags matching one of these globs (`fnmatch`, `*` also matches
    /// `/`); empty for every tag.
    public var tagPatterns: [String] = []
    /// What the best evaluation is chosen by (nil: `loss`, smaller).
    public var goal: MetricGoal?
    /// Read the evaluations named so (`eval_<name>/`) for the best
    /// evaluation, as `tfevents best --eval-name`; nil for `eval/`.
    public var evalName: String?
    /// TensorBoard smoothing weight, 0 ..< 1 (0: none).
    public var smoothing = 0.0
    /// Logarithmic value axes.
    public var logScale = false
    /// The page title (default: from the directory's name).
    public var title: String?
    /// Force the kind of report (nil: ``ReportSubject/detect(directory:)``).
    public var subject: ReportSubject?
    /// Chart size; decimation keeps one column per pixel of plot width.
    public var layout = ChartLayout.standard
    /// Most points drawn on the whole page (up to four per column of each
    /// line): with many lines, each is decimated to fewer columns (never
    /// under 100) so the page stays a few megabytes. About 11 bytes each.
    public var pointBudget = 200_000
    /// Most hover read-out entries on the whole page (each summarises one
    /// or more columns: last value, minimum, maximum). About 30 bytes each.
    public var hoverBudget = 40_000
    /// How the index reads the event files (and how many threads decode).
    public var index = IndexOptions()
    /// The index file (default: the log directory's shared index).
    public var indexPath: String?
    /// When the report was made, as the footer shows it (the library reads
    /// no clock, so that reports are reproducible).
    public var generatedAt: String?

    /// The defaults.
    public init() {}

    /// The goal in effect: ``goal``, or `loss` smaller.
    public var effectiveGoal: MetricGoal { goal ?? .minimize("loss") }

    /// The comparison the best evaluation is chosen by.
    public var comparison: MetricComparison { .goal(effectiveGoal) }

    /// Whether `tag` is wanted.
    public func includes(tag: String) -> Bool {
        tagPatterns.isEmpty || tagPatterns.contains { FileOperations.textMatches($0, tag) }
    }
}
