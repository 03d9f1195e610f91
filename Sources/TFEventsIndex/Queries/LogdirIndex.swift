import Dispatch
import Synchronization
import TFRecord
import TFEventsCore
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A persistent, incremental index of a log directory: every run's scalar
/// series, every non-scalar point's location, and every file's state.
///
/// ```swift
/// let index = try LogdirIndex(logdir: "logs")
/// let report = try index.update()              // reads only what changed
/// for run in index.runs {
///     let loss = try index.scalars(run: run, tag: "loss")
///     print(run, loss.steps.last ?? -1, loss.values.last ?? .nan)
/// }
/// ```
///
/// The index file lives in `$XDG_CACHE_HOME/tfevents/` (or
/// `~/.cache/tfevents/`), named after the log directory's absolute path,
/// unless a path is given. Updates take an exclusive lock on
/// `<index>.lock`, so concurrent processes serialise.
public final class LogdirIndex: Sendable {
    /// Absolute path of the log directory.
    public let logdir: String
    /// Path of the index file.
    public let indexPath: String
    /// Options for reading and storing.
    public let options: IndexOptions
    /// What an update or a load replaces as a whole.
    private struct State: Sendable {
        var files: [IndexedFile] = []
        var store: IndexFile?
        var selection = RunSelection.all
    }

    /// The files and the open index file, replaced together under the lock
    /// so that a query running beside an update sees one or the other.
    private let state = Mutex(State())

    /// The indexed files of the selected runs (``select(runs:)``), sorted
    /// by relative path (a snapshot). Every query reads these.
    public var files: [IndexedFile] {
        state.withLock { state in
            state.selection.selectsAll ? state.files : state.files.filter { state.selection.contains(run: $0.run) }
        }
    }

    /// Restricts every query, and what an update reads, to the runs
    /// `selection` selects (``IndexOptions/runs`` sets it at the start).
    /// The stored index is filtered, not rebuilt: an update keeps what it
    /// stored for the other runs as it was, so the next query with another
    /// selection reads only what is new.
    public func select(runs selection: RunSelection) {
        state.withLock { $0.selection = selection }
    }

    /// The open index file the files' chunks are in.
    var store: IndexFile? { state.withLock { $0.store } }

    /// Replaces the files and the index file they refer to.
    func replace(files: [IndexedFile], store: IndexFile?) {
        state.withLock { $0 = State(files: files, store: store, selection: $0.selection) }
    }

    /// Prepares the index of `logdir`; nothing is read until ``update(progress:)``
    /// or a query.
    ///
    /// - Throws: ``IndexError`` when the log directory does not exist.
    public init(logdir: String, indexPath: String? = nil, options: IndexOptions = .init()) throws(IndexError) {
        self.logdir = try Self.absolutePath(of: logdir)
        self.indexPath = indexPath ?? Self.defaultIndexPath(for: self.logdir)
        self.options = options
        state.withLock { $0.selection = options.runs }
    }

    /// The absolute, symlink-free path of a log directory (what keys its index).
    public static func absolutePath(of logdir: String) throws(IndexError) -> String {
        do { return try FileOperations.resolvedPath(logdir) } catch {
            throw IndexError(path: logdir, kind: .io(operation: "resolve log directory", error))
        }
    }

    /// `$XDG_CACHE_HOME/tfevents/<name>-<hash>.tfindex` (or under
    /// `~/.cache`), keyed by the absolute log directory path.
    public static func defaultIndexPath(for absoluteLogdir: String) -> String {
        defaultIndexPath(for: absoluteLogdir, variant: "")
    }

    /// Like ``defaultIndexPath(for:)``, for an index restricted to some of
    /// the files (`variant` names the restriction, e.g. a glob).
    public static func defaultIndexPath(for absoluteLogdir: String, variant: String) -> String {
        var cache: String
        if let xdg = Environment.value("XDG_CACHE_HOME") {
            cache = xdg
        } else if let home = Environment.value("HOME") {
            cache = home + "/.cache"
        } else {
            cache = "/tmp"
        }
        let key = Array((variant.isEmpty ? absoluteLogdir : absoluteLogdir + "\u{0}" + variant).utf8)
        let hash = TagTable.hash(key.rawSpan)
        let name = absoluteLogdir.split(separator: "/").last.map(String.init) ?? "root"
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(40))
        let hex = String(hash, radix: 16)
        return cache + "/tfevents/" + safe + "-" + String(repeating: "0", count: 16 - hex.count) + hex
            + (variant.isEmpty ? "" : "-eval") + ".tfindex"
    }

    // MARK: - Update

    /// Brings the index up to date with the log directory: reads new files,
    /// the appended part of grown files, replaced or shrunken files from the
    /// start; drops deleted files; stores the result.
    ///
    /// - Parameter progress: called from worker threads with (bytes read so
    ///   far, bytes to read, files done, files to read).
    /// - Throws: ``IndexError`` when the index file cannot be written. A
    ///   damaged or outdated index is not an error: it is rebuilt and the
    ///   reason reported.
    @discardableResult
    public func update(progress: (@Sendable (Int, Int, Int, Int) -> Void)? = nil) throws(IndexError) -> IndexUpdateReport {
        let started = Self.now()
        var report = IndexUpdateReport()
        if let declined = declinedFirstBuild(started: started) { return declined }
        let lock = try IndexLock(path: indexPath + ".lock")
        defer { _ = lock }

        // What we had.
        var previous: [String: IndexedFile] = [:]
        var existing: IndexFile?
        if !options.rebuild {
            do {
                let (file, manifest, recovered) = try IndexFile.load(path: indexPath)
                if manifest.logdir != logdir {
                    report.rebuildReason = .unusable(IndexError(path: indexPath, kind: .otherLogdir(manifest.logdir)))
                } else {
                    existing = file
                    for entry in manifest.files { previous[entry.relativePath] = entry }
                    if recovered { report.rebuildReason = .recovered(indexPath: indexPath) }
                }
            } catch {
                if case .io(_, let code) = error.kind, code.code == ENOENT {
                    // First build.
                } else if error.isRebuildable {
                    report.rebuildReason = .unusable(error)
                } else {
                    throw error
                }
            }
        } else {
            report.rebuildReason = .requested
        }

        // What is there now, and what must be read.
        var discovered = LogdirDiscovery.eventFiles(in: logdir)
        if let include = options.include { discovered.files = discovered.files.filter(include) }
        var plan: [Job] = []
        var next: [IndexedFile] = []
        let selection = state.withLock { $0.selection }
        for relative in discovered.files {
            let absolute = logdir + "/" + relative
            let run = LogdirDiscovery.run(of: relative)
            guard selection.contains(run: run) else {
                // Not selected: kept as stored, neither read nor dropped.
                if let old = previous.removeValue(forKey: relative) { next.append(old) }
                continue
            }
            guard let identity = try? FileIdentity(path: absolute) else { continue }
            let old = previous.removeValue(forKey: relative)
            switch Self.decide(old: old, now: identity, path: absolute) {
            case .unchanged:
                if let old { next.append(old) }
                report.bytesSkipped += identity.size
            case .resume:
                guard let old else { continue }
                next.append(old)
                plan.append(Job(slot: next.count - 1, path: absolute, entry: old, resume: true, identity: identity))
                report.bytesSkipped += old.validEnd
            case .fromStart:
                let entry = old ?? IndexedFile(relativePath: relative, run: run, identity: identity)
                next.append(entry)
                plan.append(Job(slot: next.count - 1, path: absolute, entry: entry, resume: false, identity: identity))
                report.filesReadFromStart += 1
            }
        }
        for failure in discovered.failures { report.problems.append((failure.path, failure.error.description)) }
        report.skipped = discovered.skipped
        report.filesRemoved = previous.count
        report.files = next.count
        report.filesRead = plan.count
        report.bytesToRead = plan.reduce(0) { $0 + max(0, $1.identity.size - ($1.resume ? $1.entry.validEnd : 0)) }
        if options.declines(reading: report.bytesToRead, of: report.bytesToRead + report.bytesSkipped,
                            files: plan.count) {
            report.declined = true
            report.filesRead = 0
            report.elapsedSeconds = Self.now() - started
            return report
        }

        if plan.isEmpty && previous.isEmpty && existing != nil {
            replace(files: next, store: existing)
            report.writeMode = .unchanged
            report.indexBytes = existing.map { $0.length + IndexFileFormat.trailerLength } ?? 0
            report.elapsedSeconds = Self.now() - started
            return report
        }

        // Where the chunks go: appended to the existing file, or a new one.
        let temporaryPath = Self.temporaryPath(of: indexPath)
        let output: IndexFile
        if let existing {
            output = existing
            report.writeMode = .appended
        } else {
            try Self.makeParentDirectory(of: indexPath)
            Self.removeStaleTemporaryFiles(of: indexPath)
            output = try IndexFile.create(path: temporaryPath)
            report.writeMode = .built
            // A new file must hold the chunks of files that did not change:
            // there are none, since without an old index everything is read.
        }
        // A build that fails (a full disk, an unreadable directory) leaves no
        // temporary file behind.
        var committed = false
        defer { if report.writeMode == .built && !committed { FileOperations.removeIfPresent(temporaryPath) } }

        let results = try read(plan, into: output, progress: progress)
        for (job, outcome) in zip(plan, results) {
            var entry = outcome.file
            if let error = outcome.openError {
                report.problems.append((job.path, error))
                entry = job.entry  // keep what we had, and try again next time:
                entry.identity.modificationTimeNanoseconds = Int64.min
            }
            if entry.compression == .none {
                entry.fingerprint = PrefixFingerprint(path: job.path, validEnd: entry.validEnd)
            }
            next[job.slot] = entry
            report.bytesRead += outcome.bytesRead
            report.records += entry.records - (job.resume ? job.entry.records : 0)
            report.corruptRecords += entry.corruptRecords - (job.resume ? job.entry.corruptRecords : 0)
        }

        let manifest = IndexManifest(logdir: logdir, verifiedPayloads: options.records.verifyPayloadChecksums,
                                     files: next)
        try output.commit(manifest)
        if report.writeMode == .built {
            try Self.rename(temporaryPath, to: indexPath)
        }
        committed = true
        var final = output
        var finalManifest = manifest
        if report.writeMode == .appended, Self.shouldCompact(manifest, length: output.length) {
            (final, finalManifest) = try compact(manifest, from: output)
            report.writeMode = .compacted
        }
        replace(files: finalManifest.files, store: final)
        report.indexBytes = final.length + IndexFileFormat.trailerLength
        report.elapsedSeconds = Self.now() - started
        return report
    }

    /// With a read budget and no index file yet: the report of a declined
    /// first build when the files hold more than the budget allows, made
    /// before anything (a cache directory, a lock file) is created; nil
    /// when the update should go on (it then walks the directory again,
    /// under the lock: only a first build under the budget pays twice).
    ///
    /// Without an index every byte is new, so a first build is declined
    /// as soon as the files are more, or larger, than a cheap update may be
    /// and not all empty: the walk stops there (on 2,000 small files it
    /// had listed every directory and examined every file twice before
    /// the direct read did it all again). The report then counts the files
    /// and bytes seen before it stopped.
    private func declinedFirstBuild(started: Double) -> IndexUpdateReport? {
        guard let fraction = options.maximumReadFraction, !options.rebuild,
              (try? FileIdentity(path: indexPath)) == nil else { return nil }
        let selection = state.withLock { $0.selection }
        let include = options.include
        let accepts: @Sendable (String) -> Bool = { (include?($0) ?? true) && selection.contains(file: $0) }
        var discovered = LogdirDiscovery.eventFiles(
            in: logdir,
            limit: fraction < 1
                ? EventFileDiscovery.Limit(files: options.cheapUpdateFiles, bytes: options.cheapUpdateBytes, accepts: accepts)
                : nil)
        let total: Int
        if discovered.stoppedAtLimit && discovered.walkedBytes > 0 {
            total = discovered.walkedBytes  // already over the budget
        } else {
            if discovered.stoppedAtLimit { discovered = LogdirDiscovery.eventFiles(in: logdir) }
            discovered.files = discovered.files.filter(accepts)
            total = discovered.files.reduce(0) { $0 + ((try? FileIdentity(path: logdir + "/" + $1).size) ?? 0) }
            guard options.declines(reading: total, of: total, files: discovered.files.count) else { return nil }
        }
        var report = IndexUpdateReport()
        report.declined = true
        report.bytesToRead = total
        report.files = discovered.files.count
        report.skipped = discovered.skipped
        for failure in discovered.failures { report.problems.append((failure.path, failure.error.description)) }
        report.elapsedSeconds = Self.now() - started
        return report
    }

    /// Where this process builds a new index file before renaming it into
    /// place: `<index>.tmp.<pid>`. The CLI removes it on SIGINT/SIGTERM; a
    /// process killed outright leaves it to ``removeStaleTemporaryFiles(of:)``.
    package static func temporaryPath(of indexPath: String) -> String {
        indexPath + ".tmp.\(Environment.processID)"
    }

    /// Removes the `<index>.tmp.<pid>` files of processes that no longer
    /// exist: builds killed before they finished. Another process's build
    /// in progress is left alone.
    static func removeStaleTemporaryFiles(of indexPath: String) {
        let directory = FilePaths.dirname(indexPath)
        let prefix = FilePaths.basename(indexPath) + ".tmp."
        guard let names = try? Directories.list(directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != Environment.processID,
                  !Environment.processExists(pid) else { continue }
            FileOperations.removeIfPresent(FilePaths.join(directory, name))
        }
    }

    /// A file to read.
    private struct Job: Sendable {
        var slot: Int
        var path: String
        var entry: IndexedFile
        var resume: Bool
        var identity: FileIdentity
    }

    private enum Decision { case unchanged, resume, fromStart }

    /// Whether a file must be read again, and from where.
    private static func decide(old: IndexedFile?, now: FileIdentity, path: String) -> Decision {
        guard let old else { return .fromStart }
        guard old.identity.isSameFile(as: now) else { return .fromStart }  // replaced
        if now.size == old.identity.size
            && now.modificationTimeNanoseconds == old.identity.modificationTimeNanoseconds {
            return .unchanged
        }
        if old.compression != .none { return .fromStart }   // a stream cannot be resumed
        if now.size < old.validEnd + old.truncatedBytes { return .fromStart }  // shrank
        // Written to: an append keeps the bytes already read, a rewrite in
        // place (same inode) does not.
        guard let stored = old.fingerprint, PrefixFingerprint(path: path, validEnd: old.validEnd) == stored else {
            return .fromStart
        }
        return now.size == old.validEnd + old.truncatedBytes && old.truncatedBytes == 0 ? .unchanged : .resume
    }

    /// Reads the planned files on `options.jobs` threads, storing chunks as
    /// they fill. Larger files are started first so that no thread is left
    /// with one big file at the end.
    private func read(_ plan: [Job], into output: IndexFile,
                      progress: (@Sendable (Int, Int, Int, Int) -> Void)?) throws(IndexError) -> [FileIndexer.Outcome] {
        let order = plan.indices.sorted { plan[$0].identity.size - plan[$0].entry.validEnd * (plan[$0].resume ? 1 : 0)
            > plan[$1].identity.size - plan[$1].entry.validEnd * (plan[$1].resume ? 1 : 0) }
        let totalBytes = plan.reduce(0) { $0 + $1.identity.size - ($1.resume ? $1.entry.validEnd : 0) }
        let nextJob = Atomic<Int>(0)
        let doneBytes = Atomic<Int>(0)
        let doneFiles = Atomic<Int>(0)
        let results = Mutex<[FileIndexer.Outcome?]>(Array(repeating: nil, count: plan.count))
        let failure = Mutex<IndexError?>(nil)
        let options = self.options
        let workers = max(1, min(options.jobs, plan.count))

        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            // Per worker: buffers and a compression context reused across files.
            var encoder = IndexEncoder()
            var compressed: [UInt8] = []
            let context = ZstdBlock.Context()
            while failure.withLock({ $0 == nil }) {
                let position = nextJob.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < order.count else { return }
                let job = plan[order[position]]
                var indexer = FileIndexer(options: options.records)
                indexer.chunkPointLimit = options.chunkPointLimit
                var reported = 0
                if let progress {
                    indexer.progress = { bytes in
                        let total = doneBytes.wrappingAdd(bytes - reported, ordering: .relaxed).newValue
                        reported = bytes
                        progress(total, totalBytes, doneFiles.load(ordering: .relaxed), plan.count)
                    }
                }
                var locations: [ChunkLocation] = []
                var outcome = indexer.index(path: job.path, entry: job.entry, resume: job.resume,
                                            identity: job.identity) { chunk in
                    do {
                        chunk.encode(into: &encoder)
                        let stored = try output.appendSegment(kind: .chunk, payload: encoder.bytes, scratch: &compressed,
                                                              context: context, blockStarts: encoder.planeStarts)
                        locations.append(ChunkLocation(segmentOffset: stored.offset, segmentLength: stored.length,
                                                       pointCount: chunk.pointCount, eventCount: chunk.eventSteps.count,
                                                       blobCount: chunk.blobEvents.count,
                                                       scalarEventCount: chunk.scalarEventCount,
                                                       extremes: TagExtremes.of(chunk)))
                    } catch let error as IndexError {
                        failure.withLock { if $0 == nil { $0 = error } }
                    } catch {
                        failure.withLock { if $0 == nil { $0 = IndexError(path: job.path, kind: .io(operation: "store chunk", SystemError(code: EIO))) } }
                    }
                }
                outcome.file.chunks = (job.resume ? job.entry.chunks : []) + locations
                doneBytes.wrappingAdd(outcome.bytesRead - reported, ordering: .relaxed)
                let files = doneFiles.wrappingAdd(1, ordering: .relaxed).newValue
                progress?(doneBytes.load(ordering: .relaxed), totalBytes, files, plan.count)
                let finished = outcome
                results.withLock { $0[order[position]] = finished }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0.map { $0 ?? FileIndexer.Outcome(file: IndexedFile(relativePath: "", run: "", identity: FileIdentity(device: 0, inode: 0, size: 0, modificationTimeNanoseconds: 0, modeBits: 0))) } }
    }

    /// Whether replaced and deleted files left more dead bytes than live ones.
    private static func shouldCompact(_ manifest: IndexManifest, length: Int) -> Bool {
        let live = manifest.files.reduce(0) { sum, file in sum + file.chunks.reduce(0) { $0 + $1.segmentLength } }
        let dead = length - live
        return dead > 1 << 20 && dead > live
    }

    /// Rewrites the index with only the live chunks, into a temporary file
    /// renamed into place.
    private func compact(_ manifest: IndexManifest, from source: IndexFile) throws(IndexError) -> (IndexFile, IndexManifest) {
        let temporaryPath = Self.temporaryPath(of: indexPath)
        let output = try IndexFile.create(path: temporaryPath)
        var renamed = false
        defer { if !renamed { FileOperations.removeIfPresent(temporaryPath) } }
        var compacted = manifest
        for f in compacted.files.indices {
            for c in compacted.files[f].chunks.indices {
                let old = compacted.files[f].chunks[c]
                compacted.files[f].chunks[c].segmentOffset = try output.copySegment(at: old.segmentOffset, from: source)
            }
        }
        try output.commit(compacted)
        try Self.rename(temporaryPath, to: indexPath)
        renamed = true
        return (output, compacted)
    }

    // MARK: - File system helpers

    private static func makeParentDirectory(of path: String) throws(IndexError) {
        do { try Directories.createParent(of: path) } catch {
            throw IndexError(path: path, kind: .io(operation: "create directory", error))
        }
    }

    /// Renames atomically and syncs the directory so the rename is durable.
    private static func rename(_ from: String, to: String) throws(IndexError) {
        do { try FileOperations.renameReplacing(from, to: to) } catch {
            throw IndexError(path: to, kind: .io(operation: "rename", error))
        }
    }

    static func now() -> Double {
        Double(SystemClock.monotonicNanoseconds) * 1e-9
    }
}

/// An exclusive `flock` on a lock file, released when the object goes away
/// (or the process dies, so a crash leaves no stale lock).
final class IndexLock {
    private let lock: FileLock

    init(path: String) throws(IndexError) {
        try? Directories.createParent(of: path)  // a failure shows up when opening below
        do { lock = try FileLock(path: path, wait: true, recordHolder: false) } catch {
            switch error {
            case .held: throw IndexError(path: path, kind: .io(operation: "lock", SystemError(code: EWOULDBLOCK)))
            case let .system(operation, error): throw IndexError(path: path, kind: .io(operation: operation + " lock", error))
            }
        }
    }
}
