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
    func updatedIndex(logdir: String, reading: ReadingOptions, progressMode: ProgressMode = .auto)
        throws -> (LogdirIndex, IndexUpdateReport) {
        do {
            return try update(logdir: logdir, reading: reading, progressMode: progressMode)
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// Like ``updatedIndex(logdir:reading:progressMode:)``, then checks every
    /// stored chunk; a damaged index is reported and rebuilt.
    func verifiedIndex(logdir: String, reading: ReadingOptions) throws -> (LogdirIndex, IndexUpdateReport) {
        do {
            return try verified(logdir: logdir, reading: reading)
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// The verified index, or nil after saying why on stderr when it cannot
    /// be opened, written or rebuilt (a cache directory that cannot be
    /// created, a full disk): for commands that can read the files directly.
    func verifiedIndexOrNil(logdir: String, reading: ReadingOptions) -> (LogdirIndex, IndexUpdateReport)? {
        do {
            return try verified(logdir: logdir, reading: reading)
        } catch {
            StandardError.report("\(error.description); reading the files directly")
            return nil
        }
    }

    private func verified(logdir: String, reading: ReadingOptions) throws(IndexError) -> (LogdirIndex, IndexUpdateReport) {
        let (index, report) = try update(logdir: logdir, reading: reading, progressMode: .auto)
        do {
            try index.verify()
            return (index, report)
        } catch {
            StandardError.report("\(error.description); rebuilding the index")
            var again = self
            again.rebuild = true
            return try again.update(logdir: logdir, reading: reading, progressMode: .auto)
        }
    }

    /// Opens and updates the index; reports on stderr what the update
    /// noticed. A SIGINT or SIGTERM during a first build removes its
    /// temporary file.
    private func update(logdir: String, reading: ReadingOptions, progressMode: ProgressMode)
        throws(IndexError) -> (LogdirIndex, IndexUpdateReport) {
        let index = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: indexOptions(reading: reading))
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
        if let reason = report.rebuildReason, !reason.wasRequested { StandardError.report("index: \(reason)") }
        for problem in report.problems { StandardError.report("\(problem.path): \(problem.message)") }
        for skipped in report.skipped { StandardError.report(skipped.description) }
        return (index, report)
    }
}

/// A thread-safe progress bar for index updates (workers call it).
final class IndexProgress: Sendable {
    private let line = Mutex<ProgressLine?>(nil)
    private let mode: ProgressMode

    init(mode: ProgressMode) { self.mode = mode }

    func update(done: Int, total: Int, files: Int, totalFiles: Int) {
        line.withLock { line in
            if line == nil { line = ProgressLine(totalBytes: total, mode: mode) }
            line?.update(doneBytes: done, files: (files, totalFiles))
        }
    }

    func finish() { line.withLock { $0?.finish() } }
}
