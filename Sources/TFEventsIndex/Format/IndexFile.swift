import Synchronization
import TFRecord
import TFEventsSystem

/// Reads and writes the segments of one index file (see ``IndexFileFormat``).
///
/// Segments may be appended from several threads (each worker stores the
/// chunks it compressed); offsets are handed out under a lock.
package final class IndexFile: Sendable {
    let path: String
    private let file: FileHandle
    /// Offset where the next segment goes.
    private let end: Mutex<Int>

    private init(file: FileHandle, end: Int) {
        path = file.path
        self.file = file
        self.end = Mutex(end)
    }

    private func ioError(_ operation: String, _ error: SystemError) -> IndexError {
        IndexError(path: path, kind: .io(operation: operation, error))
    }

    private func damaged(_ reason: String, _ offset: Int) -> IndexError {
        IndexError(path: path, kind: .damaged(reason: reason, offset: offset))
    }

    // MARK: - Opening

    /// Creates a new, empty index file at `path` (replacing any file there).
    static func create(path: String) throws(IndexError) -> IndexFile {
        let handle: FileHandle
        do { handle = try FileHandle(path: path, options: [.readWrite, .create, .truncate]) } catch {
            throw IndexError(path: path, kind: .io(operation: "create", error))
        }
        let file = IndexFile(file: handle, end: 0)
        try file.write(IndexFileFormat.header(), at: 0)
        file.end.withLock { $0 = IndexFileFormat.headerLength }
        return file
    }

    /// Opens an existing index file and reads its newest manifest.
    ///
    /// A missing trailer (an update interrupted by a crash) is recovered by
    /// walking the segments to the last complete manifest; the partial tail
    /// is overwritten by the next update.
    ///
    /// - Returns: the file, its manifest, and whether it had to be recovered.
    package static func load(path: String) throws(IndexError) -> (IndexFile, IndexManifest, recovered: Bool) {
        let handle: FileHandle
        let size: Int
        do {
            handle = try FileHandle(path: path, options: .readWrite)
            size = try handle.identity().size
        } catch {
            throw IndexError(path: path, kind: .io(operation: "open", error))
        }
        let file = IndexFile(file: handle, end: size)
        let header = try file.read(at: 0, count: IndexFileFormat.headerLength)
        guard header.count == IndexFileFormat.headerLength,
              Array(header[0 ..< 8]) == IndexFileFormat.magic else {
            throw file.damaged("not an index file", 0)
        }
        let version = IndexFileFormat.read32(header, 8)
        guard version == IndexFileFormat.version else {
            throw IndexError(path: path, kind: .versionMismatch(found: version, expected: IndexFileFormat.version))
        }
        if size >= IndexFileFormat.headerLength + IndexFileFormat.trailerLength,
           let trailer = IndexFileFormat.parseTrailer(
               try file.read(at: size - IndexFileFormat.trailerLength, count: IndexFileFormat.trailerLength)),
           trailer.length == size - IndexFileFormat.trailerLength {
            let manifest = try file.readManifest(at: trailer.manifestOffset)
            file.end.withLock { $0 = trailer.length }
            return (file, manifest, false)
        }
        // No valid trailer: walk the segments.
        var offset = IndexFileFormat.headerLength
        var last: (manifest: IndexManifest, end: Int)?
        while offset + IndexFileFormat.segmentHeaderLength <= size,
              let segment = try file.parseSegmentHeader(
                  try file.read(at: offset, count: IndexFileFormat.segmentHeaderLength), at: offset) {
            let next = offset + IndexFileFormat.segmentHeaderLength + segment.compressedLength
            guard next <= size else { break }
            if segment.kind == IndexFileFormat.SegmentKind.manifest.rawValue,
               let manifest = try? file.readManifest(at: offset) {
                last = (manifest, next)
            }
            offset = next
        }
        guard let last else { throw file.damaged("no complete manifest", offset) }
        file.end.withLock { $0 = last.end }
        return (file, last.manifest, true)
    }

    // MARK: - Segments

    /// Compresses `payload` and appends it as a segment.
    ///
    /// - Returns: the segment's offset and length.
    @discardableResult
    func appendSegment(kind: IndexFileFormat.SegmentKind, payload: [UInt8]) throws(IndexError) -> (offset: Int, length: Int) {
        var scratch: [UInt8] = []
        return try appendSegment(kind: kind, payload: payload, scratch: &scratch)
    }

    /// Like ``appendSegment(kind:payload:)``, compressing into `scratch`
    /// (reused between calls by one writer thread); given a `context`, a
    /// zstd block starts at each of `blockStarts` (see
    /// ``ZstdBlock/compress(_:into:level:context:blockStarts:minimumStretch:)``).
    func appendSegment(kind: IndexFileFormat.SegmentKind, payload: [UInt8], scratch: inout [UInt8],
                       context: ZstdBlock.Context? = nil, blockStarts: [Int] = []) throws(IndexError) -> (offset: Int, length: Int) {
        if let context {
            ZstdBlock.compress(payload, into: &scratch, context: context, blockStarts: blockStarts)
        } else {
            ZstdBlock.compress(payload, into: &scratch)
        }
        let header = IndexFileFormat.segmentHeader(kind: kind, compressed: scratch, uncompressedLength: payload.count)
        let total = header.count + scratch.count
        let offset = reserve(total)
        try write(header, at: offset)
        try write(scratch, at: offset + header.count)
        return (offset, total)
    }

    /// Claims `count` bytes at the end of the file; returns their offset.
    private func reserve(_ count: Int) -> Int {
        end.withLock { end in
            defer { end += count }
            return end
        }
    }

    /// Appends already-encoded segment bytes (header and payload); returns
    /// their offset.
    func appendRaw(_ bytes: [UInt8]) throws(IndexError) -> Int {
        let offset = reserve(bytes.count)
        try write(bytes, at: offset)
        return offset
    }

    /// Reads, verifies and decompresses the segment at `offset`.
    package func readSegment(at offset: Int, kind: IndexFileFormat.SegmentKind) throws(IndexError) -> [UInt8] {
        let (header, compressed) = try readRawSegment(at: offset)
        guard header.kind == kind.rawValue else { throw damaged("unexpected segment kind \(header.kind)", offset) }
        do {
            return try ZstdBlock.decompress(compressed, size: header.uncompressedLength)
        } catch {
            throw damaged("undecodable compressed block", offset)
        }
    }

    /// Reads and verifies a segment's header and compressed payload.
    func readRawSegment(at offset: Int) throws(IndexError) -> (IndexFileFormat.SegmentHeader, [UInt8]) {
        // A negative offset can only come from a damaged manifest.
        guard offset >= 0, let header = try parseSegmentHeader(
            try read(at: offset, count: IndexFileFormat.segmentHeaderLength), at: offset) else {
            throw damaged("bad segment header", offset)
        }
        // Never read (or allocate) past the end of what the file holds.
        guard offset + IndexFileFormat.segmentHeaderLength + header.compressedLength <= length else {
            throw damaged("segment runs past the end of the index", offset)
        }
        let compressed = try read(at: offset + IndexFileFormat.segmentHeaderLength, count: header.compressedLength)
        guard compressed.count == header.compressedLength else { throw damaged("truncated segment", offset) }
        guard IndexFileFormat.maskedCRC(compressed) == header.payloadCRC else {
            throw damaged("segment checksum mismatch", offset)
        }
        return (header, compressed)
    }

    /// ``IndexFileFormat/parseSegmentHeader(_:)`` with the limit as an ``IndexError``.
    private func parseSegmentHeader(_ bytes: [UInt8], at offset: Int) throws(IndexError) -> IndexFileFormat.SegmentHeader? {
        do { return try IndexFileFormat.parseSegmentHeader(bytes) } catch {
            throw IndexError(path: path, kind: .segmentTooLarge(length: error.length, limit: IndexFileFormat.maxSegmentLength,
                                                                offset: offset))
        }
    }

    /// Copies the segment at `offset` of `source` to the end of this file.
    func copySegment(at offset: Int, from source: IndexFile) throws(IndexError) -> Int {
        let (header, compressed) = try source.readRawSegment(at: offset)
        let headerBytes = IndexFileFormat.segmentHeader(
            kind: IndexFileFormat.SegmentKind(rawValue: header.kind) ?? .chunk, compressed: compressed,
            uncompressedLength: header.uncompressedLength)
        return try appendRaw(headerBytes + compressed)
    }

    private func readManifest(at offset: Int) throws(IndexError) -> IndexManifest {
        let payload = try readSegment(at: offset, kind: .manifest)
        do { return try IndexManifest(decoding: payload) } catch {
            // The decoder's offset is inside the decompressed payload:
            // say so, and point at the segment in the file.
            throw damaged("undecodable manifest (at byte \(error.offset) of its decompressed payload)", offset)
        }
    }

    /// Appends `manifest` and the trailer, trims anything after them, and
    /// flushes the file to disk.
    func commit(_ manifest: IndexManifest) throws(IndexError) {
        let manifestOffset = try appendSegment(kind: .manifest, payload: manifest.encoded()).offset
        let length = end.withLock { $0 }
        try write(IndexFileFormat.trailer(manifestOffset: manifestOffset, length: length), at: length)
        let total = length + IndexFileFormat.trailerLength
        do { try file.truncate(to: total) } catch { throw ioError("truncate", error) }
        do { try file.sync() } catch { throw ioError("fsync", error) }
    }

    /// Bytes of the file up to the trailer.
    package var length: Int { end.withLock { $0 } }

    // MARK: - I/O

    private func write(_ bytes: [UInt8], at offset: Int) throws(IndexError) {
        do { try file.write(bytes, at: offset) } catch { throw ioError("write", error) }
    }

    private func read(at offset: Int, count: Int) throws(IndexError) -> [UInt8] {
        do { return try file.read(at: offset, count: count) } catch { throw ioError("read", error) }
    }
}
