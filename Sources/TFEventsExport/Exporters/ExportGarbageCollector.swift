import TFRecord
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Deletes old exports (FORMAT §6.7): keeps the newest N, as TensorFlow does,
/// or the best N (tensorflow/tensorflow#8658).
///
/// Only directories named by exactly 10 digits are exports; anything else
/// in the export path (`temp-*` directories of exports in progress, the
/// lock file, files of other tools, 9- or 11-digit names) is never
/// touched. Like TensorFlow, every 10-digit directory counts, whoever wrote
/// it.
///
/// Keeping the best ranks exports by the metrics in their manifests
/// (``ExportManifest``) with the exporter's comparison, the earlier export
/// first among equals. Exports without a readable manifest (written by
/// TensorFlow, say) cannot be ranked: they are neither counted nor deleted.
/// Either way the export just made is never deleted by the collection
/// that follows it, and with ``protectBest`` set the best surviving export
/// is never deleted either (keeping the newest N, the best takes the place
/// of the oldest of them).
package struct ExportGarbageCollector: Sendable {
    /// Which exports to keep.
    package enum Retention: Sendable {
        /// The N with the largest version numbers (TensorFlow).
        case newest(Int)
        /// The N best by this comparison.
        case best(Int, MetricComparison)
        /// Every export that is among the best `best` by the comparison,
        /// or among the newest `newest`, or whose step is a multiple of
        /// `every` (Orbax's `max_to_keep` with `best_fn`, `keep_period`;
        /// Lightning's `save_top_k` with `save_last`).
        case union(best: Int, newest: Int, every: Int64?, MetricComparison)
    }

    /// One export directory.
    package struct Version: Sendable, Equatable {
        /// The number in its name (seconds since the epoch).
        package var version: Int64
        /// Its path.
        package var path: String
    }

    /// What a collection did.
    package struct Report: Sendable {
        /// Exports deleted.
        package var removed: [String] = []
        /// Exports kept.
        package var kept: [String] = []
        /// Exports that could not be ranked (no manifest) and were left alone.
        package var unranked: [String] = []
        /// Deletions or reads that failed (a directory already gone is not a failure).
        package var failures: [ExportError] = []
    }

    /// Which exports to keep.
    package var retention: Retention
    /// Never delete the best export by this comparison (from the manifests),
    /// whatever the retention; nil: no such protection (TensorFlow).
    package var protectBest: MetricComparison?
    /// Among exports with equal metrics the newest ranks first (Orbax's
    /// tie rule); default false: the oldest.
    package var tiesGoToLatest = false
    var fileSystem: any ExportFileSystem = POSIXFileSystem()

    /// A collector.
    package init(retention: Retention, protectBest: MetricComparison? = nil) {
        self.retention = retention
        self.protectBest = protectBest
    }

    /// The exports in `exportPath`, oldest first.
    package static func versions(in exportPath: String) throws(ExportError) -> [Version] {
        try versions(in: exportPath, fileSystem: POSIXFileSystem())
    }

    static func versions(in exportPath: String, fileSystem: any ExportFileSystem) throws(ExportError) -> [Version] {
        let names: [String]
        do {
            // In a bucket, exports being written do not count (BucketExports).
            names = BucketExports.applies(to: exportPath)
                ? try BucketExports.versions(in: exportPath, fileSystem: fileSystem).exports
                : try fileSystem.listDirectory(exportPath)
        } catch {
            if error.code == ENOENT { return [] }
            throw .fileSystem(operation: "list", path: exportPath, error: error)
        }
        return names.filter(ExportDirectory.isVersionName)
            .compactMap { name in Int64(name).map { Version(version: $0, path: FilePaths.join(exportPath, name)) } }
            .sorted { $0.version < $1.version }
    }

    /// Deletes the exports that are not kept.
    ///
    /// - Parameter protecting: an export never to delete (the one just made).
    package func collect(exportPath: String, protecting: String? = nil) -> Report {
        var report = Report()
        let all: [Version]
        do { all = try Self.versions(in: exportPath, fileSystem: fileSystem) } catch {
            report.failures.append(error)
            return report
        }
        var keep: [String]
        var candidates: [String]
        var ranking: ExportRanking?
        switch retention {
        case .newest(let count):
            candidates = all.map(\.path)
            keep = Array(all.reversed().prefix(max(count, 0)).map(\.path))
        case let .best(count, comparison):
            let ranked = ExportRanking(versions: all, comparison: comparison, fileSystem: fileSystem, tiesGoToLatest: tiesGoToLatest)
            report.failures += ranked.failures
            report.unranked += ranked.unranked
            let order = (ranked.ranked + ranked.unrankable).map(\.path)
            candidates = order
            keep = Array(order.prefix(max(count, 0)))
            ranking = ranked
        case let .union(bestCount, newestCount, every, comparison):
            let ranked = ExportRanking(versions: all, comparison: comparison, fileSystem: fileSystem, tiesGoToLatest: tiesGoToLatest)
            report.failures += ranked.failures
            report.unranked += ranked.unranked
            // Exports without a manifest are never deleted (as with .best).
            candidates = all.map(\.path).filter { !ranked.unranked.contains($0) }
            var kept = Set(ranked.ranked.prefix(max(bestCount, 0)).map(\.path))
            kept.formUnion(candidates.reversed().prefix(max(newestCount, 0)))
            if let every, every > 0 {
                for entry in ranked.ranked + ranked.unrankable where entry.result.globalStep % every == 0 {
                    kept.insert(entry.path)
                }
            }
            // The export just made is never deleted by the collection that follows it.
            if let protecting { kept.insert(protecting) }
            keep = candidates.filter(kept.contains)
            ranking = ranked
        }
        var isUnion = false
        if case .union = retention { isUnion = true }
        // A union already holds what must stay: nothing to trade.
        if !isUnion, let protecting, candidates.contains(protecting), !keep.contains(protecting) {
            if !keep.isEmpty { keep.removeLast() }
            keep.append(protecting)
        }
        if let comparison = protectBest {
            let ranked = ranking ?? ExportRanking(versions: all, comparison: comparison, fileSystem: fileSystem, tiesGoToLatest: tiesGoToLatest)
            if ranking == nil { report.failures += ranked.failures }
            // The export just made counts as the best when nothing ranked is
            // strictly better than it.
            var best = ranked.best
            if let protecting, let mine = ranked.entry(at: protecting), let top = best,
               !ranked.isBetter(top.result, than: mine.result) {
                best = mine
            }
            if let best, !keep.contains(best.path) {
                // In place of the oldest kept one, never of the export just
                // made: one more than asked rather than the best deleted.
                if !isUnion, let victim = keep.lastIndex(where: { $0 != protecting }), keep.count >= 1,
                   keep.count > (protecting == nil ? 0 : 1) {
                    keep.remove(at: victim)
                }
                keep.append(best.path)
            }
        }
        for path in candidates {
            if keep.contains(path) {
                report.kept.append(path)
                continue
            }
            do {
                try Self.remove(path, fileSystem: fileSystem)
                report.removed.append(path)
            } catch {
                report.failures.append(.fileSystem(operation: "remove", path: path, error: error))
            }
        }
        report.kept.sort()
        return report
    }

    /// Deletes an export without ever leaving a partial one under its
    /// version name: it is first renamed to `temp-removing-<version>` (one
    /// atomic step, after which TensorFlow Serving no longer sees it), then
    /// deleted. A process killed in between leaves only the `temp-*`
    /// directory, which the next lock holder removes
    /// (``ExportLock/removeAbandonedTemporaryDirectories()``).
    static func remove(_ path: String, fileSystem: any ExportFileSystem) throws(SystemError) {
        if BucketExports.applies(to: path) { return try BucketExports.remove(path, fileSystem: fileSystem) }
        let parent = FilePaths.dirname(path)
        let doomed = FilePaths.join(parent, ExportDirectory.removingPrefix + FilePaths.basename(path))
        do {
            try fileSystem.renameNoReplace(path, to: doomed)
        } catch where error.code == EEXIST || error.code == ENOTEMPTY {
            // A leftover of an earlier, interrupted removal: finish it first.
            try fileSystem.removeTree(doomed)
            try fileSystem.renameNoReplace(path, to: doomed)
        }
        try fileSystem.removeTree(doomed)
    }
}
