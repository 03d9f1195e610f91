#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// Finding a record boundary from an arbitrary offset, so that several
/// readers can each take a range of one large file.
///
/// A TFRecord file has no markers: a boundary is recognised by what follows
/// it. An offset counts as one when a chain of records starting there all
/// verify (length CRC and payload CRC), which random bytes pass with a
/// probability of about 2^-64 per record. Whoever uses such a point still
/// checks that a reader coming from the previous range lands exactly on it
/// (see `FileScanner.scan(paths:jobs:)`), so a false point costs time, never
/// a wrong answer.
extension RecordReader {
    /// Records that must verify back to back after a synchronisation point.
    package static let synchronizationChain = 3

    /// The first offset at or after `start` where ``synchronizationChain``
    /// records verify back to back (or fewer that end exactly at the end of
    /// the file), searching at most `span` bytes of the uncompressed regular
    /// file `path`; nil when there is none within them or the file cannot be
    /// mapped.
    package static func synchronizationPoint(path: String, from start: Int, span: Int = 8 << 20) -> Int? {
        // A chain of event records usually starts within a few kilobytes:
        // look in a small mapping first (a large one is pre-faulted whole,
        // which costs more than the search when ranges are a few MiB). Both
        // searches read the same bytes the same way up to where a chain is
        // found; a record cut by the small mapping's end reads as a
        // truncated tail, and then the whole span is searched. Either way
        // the readers that join ranges check that a point is where the
        // reading before it stopped.
        if span > Self.firstSynchronizationSpan,
           let point = chainStart(path: path, from: start, span: Self.firstSynchronizationSpan) {
            return point
        }
        return chainStart(path: path, from: start, span: span)
    }

    /// The bytes searched first by ``synchronizationPoint(path:from:span:)``.
    static let firstSynchronizationSpan = 256 << 10

    /// ``synchronizationPoint(path:from:span:)`` in one mapping of `span` bytes.
    private static func chainStart(path: String, from start: Int, span: Int) -> Int? {
        guard let file = try? MappedFile(path: path, startOffset: start, length: span) else { return nil }
        let reachesEnd = file.startOffset + file.count == file.identity.size
        var options = RecordReaderOptions()
        options.verifyPayloadChecksums = true
        options.onLengthMismatch = .resynchronize
        options.onPayloadMismatch = .skipRecord
        var reader = RecordReader(mappedFile: file, options: options)
        var candidate: Int?
        var run = 0
        while true {
            do {
                guard let record = try reader.next() else {
                    if reachesEnd, case .clean = reader.endState, run > 0 { return candidate }
                    return nil
                }
                if candidate == nil { candidate = record.offset }
                run += 1
                if run == synchronizationChain { return candidate }
            } catch {
                candidate = nil
                run = 0
                if !error.isResumable { return nil }
            }
        }
    }
}

extension RecordReader {
    /// Whether `path` is a regular file of uncompressed records, which
    /// readers can enter at any synchronisation point (a compressed stream
    /// can only be decoded from its start).
    package static func canStartMidway(path: String) -> Bool {
        guard path != standardInputPath, ObjectStores.scheme(of: path) == nil, let (fd, identity) = try? openForReading(path) else { return false }
        defer { close(fd) }
        return identity.isRegularFile && CompressionFormat.detect(fileDescriptor: fd) == .none
    }
}
