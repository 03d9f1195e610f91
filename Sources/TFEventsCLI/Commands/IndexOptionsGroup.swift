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
    func updatedIndex(logdir: String, reading: ReadingOptions, progressMode: ProgressMode = .auto)
        throws -> (LogdirIndex, IndexUpdateReport) {
        let index: LogdirIndex
        do {
            index = try LogdirIndex(logdir: logdir, indexPath: indexPath, options: indexOptions(reading: reading))
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        let progress = IndexProgress(mode: progressMode)
        let report: IndexUpdateReport
        do {
            report = try index.update(progress: { done, total, files, totalFiles in
                progress.update(done: done, total: total, files: files, totalFiles: totalFiles)
            })
        } catch {
            progress.finish()
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        progress.finish()
        if let reason = report.rebuildReason, !reason.wasRequested { StandardError.report("index: \(reason)") }
        for problem in report.problems { StandardError.report("\(problem.path): \(problem.message)") }
        return (index, report)
    }

    /// Like ``updatedIndex(logdir:reading:progressMode:)``, then checks every
    /// stored chunk; a damaged index is reported and rebuilt.
    func verifiedIndex(logdir: String, reading: ReadingOptions) throws -> (LogdirIndex, IndexUpdateReport) {
        let (index, report) = try updatedIndex(logdir: logdir, reading: reading)
        do {
            try index.verify()
            return (index, report)
        } catch {
            StandardError.report("\(error.description); rebuilding the index")
            var again = self
            again.rebuild = true
            return try again.updatedIndex(logdir: logdir, reading: reading)
        }
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
