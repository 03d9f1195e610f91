import TFEventsSystem

/// The exports of an export path ranked by a comparison, from the metrics
/// in their manifests (``ExportManifest``): which surviving export is the
/// best, for the rule that nothing worse than it is exported and that it is
/// never collected.
///
/// Exports without a readable manifest (written by TensorFlow, say) cannot
/// be ranked and are listed apart, as are those whose manifest lacks the
/// comparison's metric.
struct ExportRanking {
    /// One ranked export.
    struct Entry {
        /// Its directory.
        var path: String
        /// The evaluation it was made from.
        var result: EvalResult
    }

    /// Exports the comparison can rank, best first; equals stay oldest
    /// first, or newest first with `tiesGoToLatest` (Orbax's rule).
    private(set) var ranked: [Entry] = []
    /// Exports whose manifest lacks what the comparison needs, oldest first.
    private(set) var unrankable: [Entry] = []
    /// Exports without a readable manifest, oldest first.
    private(set) var unranked: [String] = []
    /// Manifests that could not be read.
    private(set) var failures: [ExportError] = []
    let comparison: MetricComparison

    /// Ranks `versions` (oldest first, as ``ExportGarbageCollector/versions(in:)`` lists them).
    init(versions: [ExportGarbageCollector.Version], comparison: MetricComparison, fileSystem: any ExportFileSystem,
         tiesGoToLatest: Bool = false) {
        self.comparison = comparison
        for version in versions {
            let manifest: ExportManifest?
            do { manifest = try ExportManifest.read(exportDirectory: version.path, fileSystem: fileSystem) } catch {
                failures.append(error)
                unranked.append(version.path)
                continue
            }
            guard let manifest else {
                unranked.append(version.path)
                continue
            }
            let entry = Entry(path: version.path, result: manifest.evalResult)
            guard comparison.canCompare(manifest.evalResult) else {
                unrankable.append(entry)
                continue
            }
            // Before the first export it is strictly better than: equals stay
            // oldest first (versions come oldest first); with the latest-tie
            // rule, before the first it is at least as good as.
            let position = ranked.firstIndex { other in
                isBetter(entry.result, than: other.result) || (tiesGoToLatest && !isBetter(other.result, than: entry.result))
            } ?? ranked.count
            ranked.insert(entry, at: position)
        }
    }

    /// The best ranked export.
    var best: Entry? { ranked.first }

    /// The ranked entry of the export at `path`.
    func entry(at path: String) -> Entry? { ranked.first { $0.path == path } }

    /// Whether `a` is strictly better than `b` (false when they cannot be compared).
    func isBetter(_ a: EvalResult, than b: EvalResult) -> Bool {
        (try? comparison.isBetter(best: b, current: a)) ?? false
    }
}
