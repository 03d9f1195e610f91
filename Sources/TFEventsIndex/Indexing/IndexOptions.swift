import TFRecord
import TFEventsCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a ``LogdirIndex`` reads event files and where it keeps its file.
public struct IndexOptions: Sendable {
    /// Record verification and recovery policies.
    public var records = RecordReaderOptions()
    /// Files read in parallel; defaults to the number of cores.
    public var jobs = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Scalar points per stored chunk (bounds memory while reading).
    public var chunkPointLimit = 1 << 18
    /// Ignore any existing index file and read everything again.
    public var rebuild = false
    /// Index only the event files whose path relative to the log directory
    /// satisfies this (nil: every event file). An index built with a filter
    /// should have its own index path (see
    /// ``LogdirIndex/defaultIndexPath(for:variant:)``).
    public var include: (@Sendable (String) -> Bool)?
    /// The runs read and answered for (``LogdirIndex/select(runs:)``): an
    /// update reads only their files and keeps what the index stored for
    /// the others as it was, so the same index file serves every selection.
    public var runs = RunSelection.all
    /// When set, an update that would read more than this fraction of the
    /// event files' bytes (and more than ``cheapUpdateBytes``) reads and
    /// writes nothing and says so (``IndexUpdateReport/declined``). For
    /// callers that answer faster by reading the files directly than by
    /// building the index first: building reads several times slower than
    /// a direct pass that only looks for one metric, so a first build, or
    /// an update after much was appended, is not worth it to them.
    public var maximumReadFraction: Double?
    /// Updates that read at most this many bytes, of at most
    /// ``cheapUpdateFiles`` files, are always made, whatever
    /// ``maximumReadFraction`` says: they take milliseconds.
    public var cheapUpdateBytes = 16 << 20
    /// See ``cheapUpdateBytes``: indexing a file costs a fixed part besides
    /// its bytes (its entry, its chunk, its fingerprint), so a first build of
    /// thousands of small files costs several times a direct pass even when
    /// their bytes are few.
    public var cheapUpdateFiles = 64

    /// Whether an update that must read `bytesToRead` of the files'
    /// `totalBytes`, in `files` files, is over the budget
    /// ``maximumReadFraction``, ``cheapUpdateBytes`` and
    /// ``cheapUpdateFiles`` set (never, without a fraction).
    func declines(reading bytesToRead: Int, of totalBytes: Int, files: Int) -> Bool {
        guard let fraction = maximumReadFraction else { return false }
        let cheap = bytesToRead <= cheapUpdateBytes && files <= cheapUpdateFiles
        return !cheap && Double(bytesToRead) > fraction * Double(totalBytes)
    }

    /// The defaults.
    public init() {}
}

/// What an update of the index did.
public struct IndexUpdateReport: Sendable {
    /// How the index file was written.
    public enum WriteMode: String, Sendable {
        /// Nothing changed on disk: the index file was left as it was.
        case unchanged
        /// Written from scratch (first build, `--rebuild`, or a damaged index).
        case built
        /// New chunks and a new manifest appended.
        case appended
        /// Rewritten without the space of replaced and deleted files.
        case compacted
    }

    /// Event files in the log directory.
    public var files = 0
    /// Files read (wholly or their appended part) this time.
    public var filesRead = 0
    /// Files read from the start because they were new, replaced, shrank,
    /// or compressed and grown.
    public var filesReadFromStart = 0
    /// Files that left the index because they no longer exist.
    public var filesRemoved = 0
    /// Records read this time.
    public var records = 0
    /// Bytes read from event files this time.
    public var bytesRead = 0
    /// Bytes not read thanks to the index.
    public var bytesSkipped = 0
    /// Wall-clock seconds of the update.
    public var elapsedSeconds = 0.0
    /// How the index file was written.
    public var writeMode = WriteMode.unchanged
    /// Size of the index file afterwards.
    public var indexBytes = 0
    /// Why the index was rebuilt (or recovered); nil when it was used as
    /// it was, or built for the first time.
    public var rebuildReason: RebuildReason?
    /// Special files (FIFOs, devices) with event-file names, not indexed.
    public var skipped: [EventFileDiscovery.Skipped] = []
    /// The update would have read more than
    /// ``IndexOptions/maximumReadFraction`` allows: nothing was read or
    /// written, and the index is not up to date (its queries must not be
    /// used). ``bytesToRead`` says how much it would have read.
    public var declined = false
    /// Bytes of event files the update had to read (all of them when
    /// ``declined``, except for a declined first build, which counts those
    /// it saw before it knew: see ``IndexOptions/maximumReadFraction``;
    /// otherwise equal to ``bytesRead`` up to files that changed while
    /// being read).
    public var bytesToRead = 0

    /// Why an update did not simply extend the index it found.
    @nonexhaustive
    public enum RebuildReason: Sendable, Equatable, CustomStringConvertible {
        /// The caller asked (``IndexOptions/rebuild``, `--rebuild`).
        case requested
        /// The index file could not be used: damaged, another format
        /// version, or another log directory's. It was rebuilt.
        case unusable(IndexError)
        /// An update was interrupted by a crash: the index was recovered to
        /// its last complete manifest, then extended.
        case recovered(indexPath: String)

        /// Whether the caller asked for it (not worth a warning).
        public var wasRequested: Bool { self == .requested }

        /// Words for people.
        public var description: String {
            switch self {
            case .requested: return "rebuild requested"
            case .unusable(let error): return error.description
            case .recovered(let path): return "recovered the last complete update of \(path)"
            }
        }
    }
    /// Files that could not be read, with the reason.
    public var problems: [(path: String, message: String)] = []
    /// Corrupt records found in the files read this time.
    public var corruptRecords = 0
}
