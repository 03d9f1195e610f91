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
/// that follows it.
package struct ExportGarbageCollector: Sendable {
    /// Which exports to keep.
    package enum Retention: Sendable {
        /// The N with the largest version numbers (TensorFlow).
        case newest(Int)
        /// The N best by this comparison.
        case best(Int, MetricComparison)
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
    var fileSystem: any ExportFileSystem = POSIXFileSystem()

    /// A collector.
    package init(retention: Retention) {
        self.retention = retention
    }

    /// The exports in `exportPath`, oldest first.
    package static func versions(in exportPath: String) throws(ExportError) -> [Version] {
        try versions(in: exportPath, fileSystem: POSIXFileSystem())
    }

    static func versions(in exportPath: String, fileSystem: any ExportFileSystem) throws(ExportError) -> [Version] {
        let names: [String]
        do { names = try fileSystem.listDirectory(exportPath) } catch {
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
        switch retention {
        case .newest(let count):
            candidates = all.map(\.path)
            keep = Array(all.reversed().prefix(max(count, 0)).map(\.path))
        case let .best(count, comparison):
            var ranked: [(path: String, result: EvalResult)] = []
            var unrankable: [(path: String, result: EvalResult)] = []
            for version in all {
                let manifest: ExportManifest?
                do { manifest = try ExportManifest.read(exportDirectory: version.path, fileSystem: fileSystem) } catch {
                    report.failures.append(error)
                    report.unranked.append(version.path)
                    continue
                }
                guard let manifest else {
                    report.unranked.append(version.path)
                    continue
                }
                let entry = (version.path, manifest.evalResult)
                guard comparison.canCompare(manifest.evalResult) else {
                    unrankable.append(entry)
                    continue
                }
                // Insert before the first export it is strictly better than:
                // equals stay oldest first.
                let position = ranked.firstIndex { other in
                    (try? comparison.isBetter(best: other.result, current: manifest.evalResult)) ?? false
                } ?? ranked.count
                ranked.insert(entry, at: position)
            }
            let order = (ranked + unrankable).map(\.path)
            candidates = order
            keep = Array(order.prefix(max(count, 0)))
        }
        if let protecting, candidates.contains(protecting), !keep.contains(protecting) {
            if !keep.isEmpty { keep.removeLast() }
            keep.append(protecting)
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
