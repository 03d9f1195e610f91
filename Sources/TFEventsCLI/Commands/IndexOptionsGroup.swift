import Synchronization
import ArgumentParser
import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Options of the commands that answer from the log-directory index.
struct IndexLocationOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: "Index file (default: under $XDG_CACHE_HOME/tfevents or ~/.cache/tfevents).")
    var indexPath: String?

    @Flag(help: "Ignore the existing index and read every file again.")
    var rebuild = false

    @Option(help: "Files read in parallel (default: the number of cores).")
    var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func indexOptions(reading: ReadingOptions) -> IndexOptions {
        var options = IndexOptions()
        options.records = reading.recordOptions
        options.rebuild = rebuild
        if let jobs { options.jobs = jobs }
        return options
    }

    /// Opens and updates the index of `logdir`, drawing progress on stderr.
    /// An index that cannot be opened or written is fatal (exit status 2).
    func updatedIndex(logdir: String, reading: ReadingOptions, progressMode: ProgressMode = .auto,
                      runs: RunSelection = .all) throws -> (LogdirIndex, IndexUpdateReport) {
        do {
            return try update(logdir: logdir, reading: reading, progressMode: progressMode, runs: runs)
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// Like ``updatedIndex(logdir:reading:progressMode:)``, then checks every
    /// stored chunk; a damaged index is reported and rebuilt.
    func verifiedIndex(logdir: String, reading: ReadingOptions, runs: RunSelection = .all) throws -> (LogdirIndex, IndexUpdateReport) {
        do {
            return try verified(logdir: logdir, reading: reading, runs: runs)
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// The verified index, or nil after saying why on stderr when it cannot
    /// be opened, written or rebuilt (a cache directory that cannot be
    /// created, a full disk): for commands that can read the files directly.
    ///
    /// Without `--index`, the cached index is used only when that is
    /// cheap (see ``IndexCache``): when `TFEVENTS_NO_INDEX` is set, or when
    /// bringing the index up to date would read more than
    /// ``IndexCache/maximumReadFraction`` of the files, nil (silently).
    func verifiedIndexOrNil(logdir: String, reading: ReadingOptions, runs: RunSelection = .all) -> (LogdirIndex, IndexUpdateReport)? {
        if indexPath == nil && IndexCache.disabled { return nil }
        do {
            let fraction = indexPath == nil ? IndexCache.maximumReadFraction : nil
            let (index, report) = try verified(logdir: logdir, reading: reading, maximumReadFraction: fraction, runs: runs)
            return report.declined ? nil : (index, report)
        } catch {
            StandardError.report("\(error.description); reading the files directly")
            return nil
        }
    }

    private func verified(logdir: String, reading: ReadingOptions, maximumReadFraction: Double? = nil,
                          runs: RunSelection) throws(IndexError) -> (LogdirIndex, IndexUpdateReport) {
        let (index, report) = try update(logdir: logdir, reading: reading, progressMode: .auto,
                                         maximumReadFraction: maximumReadFraction, runs: runs)
        if report.declined { return (index, report) }
        do {
            try index.verify()
            return (index, report)
        } catch {
            StandardError.report("\(error.description); rebuilding the index")
            var again = self
            again.rebuild = true
            return try again.update(logdir: logdir, reading: reading, progressMode: .auto, runs: runs)
        }
    }

    /// Opens and updates the index; reports on stderr what the update
    /// noticed. A SIGINT or SIGTERM during a first build removes its
    /// temporary file.
    private func update(logdir: String, reading: ReadingOptions, progressMode: ProgressMode,
                        maximumReadFraction: Double? = nil, runs: RunSelection) throws(IndexError) -> (LogdirIndex, IndexUpdateReport) {
        var options = indexOptions(reading: reading)
        options.runs = runs
        if jobs == nil { options.jobs = ObjectStores.defaultReaders(for: [logdir], cores: options.jobs) }
        options.maximumReadFraction = maximumReadFraction
        let index = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: options)
        let progress = IndexProgress(mode: progressMode)
        let temporary = LogdirIndex.temporaryPath(of: index.indexPath)
        InterruptCleanup.register(temporary)
        defer { InterruptCleanup.unregister(temporary) }
        let report: IndexUpdateReport
        do {
            report = try index.update(progress: { done, total, files, totalFiles in
                progress.update(done: done, total: total, files: files, totalFiles: totalFiles)
            })
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        if report.declined { return (index, report) }
        if let reason = report.rebuildReason, !reason.wasRequested { StandardError.report("index: \(reason)") }
        for problem in report.problems { StandardError.report("\(problem.path): \(problem.message)") }
        for skipped in report.skipped { StandardError.report(skipped.description) }
        return (index, report)
    }
}

/// When commands use the index cache without being asked to.
///
/// The cache (`$XDG_CACHE_HOME/tfevents`, else `~/.cache/tfevents`) pays off
/// when most of a log directory is already indexed; building it reads the
/// files several times slower than a direct pass that looks for one metric.
/// So `best` and `scalars` without `--index` use it only when bringing it
/// up to date reads little, and read the files directly otherwise, leaving
/// the first build to `tfevents index` (or to a directory under 16 MiB of
/// new bytes in at most 64 files, where it takes milliseconds).
enum IndexCache {
    /// An update that reads more than this fraction of the files' bytes is
    /// declined. On a 1 GiB eval log a direct `best --no-index` took
    /// 0.69-0.80 s and `index --rebuild` 2.4 s (3-3.5x), so an update of an
    /// eighth costs under half of the direct read it replaces.
    static let maximumReadFraction = 0.125

    /// `TFEVENTS_NO_INDEX` set (to anything but empty or `0`): `best` and
    /// `scalars` do not use the cache unless given `--index` (`index` builds
    /// it when asked; `report` always needs it).
    static var disabled: Bool {
        guard let value = Environment.value("TFEVENTS_NO_INDEX") else { return false }
        return !value.isEmpty && value != "0"
    }
}

/// A thread-safe progress bar for work spread over threads (index
/// updates, parallel scans): workers call it.
final class IndexProgress: Sendable {
    private let line = Mutex<ProgressLine?>(nil)
    private let mode: ProgressMode

    init(mode: ProgressMode) { self.mode = mode }

    func update(done: Int, total: Int, files: Int, totalFiles: Int) {
        line.withLock { line in
            if line == nil { line = ProgressLine(totalBytes: total, mode: mode) }
            line?.update(doneBytes: done, files: totalFiles > 0 ? (files, totalFiles) : nil)
        }
    }

    func finish() { line.withLock { $0?.finish() } }
}
