#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// The bytes a ``RecordReader`` reads a ``ByteStream`` through.
///
/// The stream is read in fixed chunks (``ChunkPipeline``), each into a slot
/// with free headroom in front. The reader consumes ``bytes`` from the
/// front; when it needs more, ``refill(keepFrom:needed:)`` moves the unread
/// end of the current chunk (at most one partial record) into the headroom
/// before the next chunk, so a record that straddles two chunks is copied
/// once, in part. A record too large for the headroom is assembled in a
/// separate buffer sized from its verified length, which grows only as its
/// bytes arrive (a length field alone never allocates that length) and is
/// given back after the record unless it is small.
///
/// Memory stays fixed whatever the stream's length: the slots
/// (``ChunkPipeline/backgroundSlots`` × 2 × chunk capacity at most) plus the
/// largest record that did not fit in a chunk.
@safe package final class StreamWindow {
    let pipeline: ChunkPipeline
    /// The readable bytes: in a slot, or in the spill buffer.
    private(set) var bytes = unsafe UnsafeRawBufferPointer(start: nil, count: 0)
    /// Stream offset of `bytes[0]`.
    private(set) var bytesOffset: Int
    /// True once the stream ended (or its failure was thrown): no bytes
    /// will be added.
    private(set) var reachedEnd = false
    /// True when the stream ended inside a compressed member or frame.
    private(set) var endedMidStream = false
    /// Compressed bytes consumed to produce the chunks read so far (nil
    /// for uncompressed streams): for progress reports.
    private(set) var inputOffset: Int?

    /// The slot holding `bytes`, when they are in a slot.
    private var currentSlot: Int?
    /// The rest of a chunk whose first part went to the spill buffer.
    private var pending: ChunkPipeline.Chunk?
    private var spill: UnsafeMutableRawPointer?
    private var spillCapacity = 0
    private var bytesInSpill = false
    private var failure: ByteStreamError?
    /// Stream bytes still to discard before `bytes` starts (a start offset
    /// in a stream that cannot seek).
    private var toSkip: Int

    /// Default chunk size: 1 MiB.
    package static let defaultCapacity = 1 << 20
    /// Spill buffers up to this size are kept for the next large record.
    static let retainedSpillCapacity = 4 << 20

    /// A window reading `stream` in chunks of `capacity` bytes.
    ///
    /// - Parameters:
    ///   - startOffset: the stream offset to report for the first byte kept.
    ///   - skipping: bytes to discard first (the stream is read from its
    ///     start, and `startOffset` is then the offset after them).
    ///   - background: read ahead on a second thread.
    init(stream: any ByteStream, capacity: Int = StreamWindow.defaultCapacity, startOffset: Int = 0,
         skipping: Int = 0, background: Bool = false) {
        let chunk = max(capacity, TFRecordLayout.headerLength)
        pipeline = ChunkPipeline(stream: stream, chunkCapacity: chunk, headroom: chunk, background: background)
        bytesOffset = startOffset - skipping
        toSkip = skipping
    }

    deinit {
        pipeline.cancel()
        if let spill = unsafe spill { unsafe free(spill) }
    }

    /// Whether a second thread reads the stream ahead.
    var readsInBackground: Bool { pipeline.isBackground }

    /// Discards `bytes[0 ..< keepFrom]`, then reads until at least `needed`
    /// bytes (counted from `keepFrom`) are readable or the stream ends.
    ///
    /// ``bytes`` and ``bytesOffset`` describe the kept bytes even when this
    /// throws, so the caller can report exact offsets.
    ///
    /// - Throws: the stream's error, once every byte read before it is in
    ///   ``bytes``.
    func refill(keepFrom: Int, needed: Int) throws(ByteStreamError) {
        unsafe precondition(keepFrom >= 0 && keepFrom <= bytes.count, "keepFrom outside the window")
        unsafe bytes = unsafe UnsafeRawBufferPointer(rebasing: bytes[keepFrom...])
        bytesOffset += keepFrom
        if let failure {
            reachedEnd = true
            throw failure
        }
        while unsafe bytes.count < needed && !reachedEnd {
            var chunk: ChunkPipeline.Chunk
            if let rest = pending {
                chunk = rest
                pending = nil
            } else {
                chunk = pipeline.next()
                inputOffset = chunk.inputOffset
                if toSkip > 0 { skip(in: &chunk) }
            }
            if unsafe bytes.count <= chunk.start {
                append(chunk)
            } else {
                try appendToSpill(chunk, needed: needed)
            }
            if let end = chunk.end, pending == nil {
                switch end {
                case .finished(let midStream):
                    reachedEnd = true
                    endedMidStream = midStream
                case .failed(let error):
                    // Bytes that arrived before the failure come first: when
                    // they are enough, the error waits for the next refill.
                    failure = error
                    if unsafe bytes.count < needed {
                        reachedEnd = true
                        throw error
                    }
                    return
                }
            }
        }
    }

    /// Drops the stream bytes before the start offset.
    private func skip(in chunk: inout ChunkPipeline.Chunk) {
        let dropped = min(toSkip, chunk.count)
        chunk.start += dropped
        chunk.count -= dropped
        toSkip -= dropped
        bytesOffset += dropped
    }

    /// The kept bytes fit in the chunk's headroom: move them in front of it.
    private func append(_ chunk: ChunkPipeline.Chunk) {
        let data = unsafe pipeline.base(of: chunk.slot) + chunk.start
        let kept = unsafe bytes.count
        let start = unsafe data - kept
        if kept > 0, let source = unsafe bytes.baseAddress {
            // The one copy of a straddling record's first part.
            unsafe start.copyMemory(from: source, byteCount: kept)
        }
        if let slot = currentSlot { pipeline.release(slot) }
        currentSlot = chunk.slot
        unsafe bytes = unsafe UnsafeRawBufferPointer(start: start, count: kept + chunk.count)
        releaseLargeSpill()
    }

    /// The kept bytes do not fit in the headroom (a record larger than a
    /// chunk): gather the record in the spill buffer, taking from `chunk`
    /// only what the record needs and keeping the rest pending.
    private func appendToSpill(_ chunk: ChunkPipeline.Chunk, needed: Int) throws(ByteStreamError) {
        let kept = unsafe bytes.count
        let take = min(chunk.count, max(needed - kept, 0))
        if bytesInSpill {
            // Compact: the kept bytes move to the front of the spill buffer.
            if let spill = unsafe spill, let source = unsafe bytes.baseAddress, unsafe source != UnsafeRawPointer(spill) {
                unsafe spill.copyMemory(from: source, byteCount: kept)
            }
            unsafe bytes = unsafe UnsafeRawBufferPointer(start: spill.map { UnsafeRawPointer($0) }, count: kept)
            try reserveSpill(kept + take, limit: needed)
        } else {
            try reserveSpill(kept + take, limit: needed)
            if kept > 0, let spill = unsafe spill, let source = unsafe bytes.baseAddress {
                unsafe spill.copyMemory(from: source, byteCount: kept)
            }
            if let slot = currentSlot { pipeline.release(slot) }
            currentSlot = nil
            bytesInSpill = true
        }
        guard let spill = unsafe spill else { return }  // reserveSpill allocated it (count > 0)
        if take > 0 {
            unsafe (spill + kept).copyMemory(from: pipeline.base(of: chunk.slot) + chunk.start, byteCount: take)
        }
        unsafe bytes = unsafe UnsafeRawBufferPointer(start: spill, count: kept + take)
        if take < chunk.count {
            var rest = chunk
            rest.start += take
            rest.count -= take
            pending = rest
        } else {
            pipeline.release(chunk.slot)
        }
    }

    /// Makes the spill buffer hold at least `count` bytes, growing it at
    /// most to `limit` (the verified record size) and keeping the bytes
    /// already in it. Growth doubles, so each byte is moved O(1) times; for
    /// large blocks `realloc` remaps pages instead of copying them.
    private func reserveSpill(_ count: Int, limit: Int) throws(ByteStreamError) {
        guard count > spillCapacity else { return }
        let capacity = max(count, min(max(spillCapacity * 2, 64 << 10), limit))
        if bytesInSpill {
            // realloc keeps the kept bytes (compacted to the front).
            guard let grown = unsafe realloc(spill, capacity) else { throw .io(SystemError(code: ENOMEM)) }
            unsafe spill = unsafe grown
            unsafe bytes = unsafe UnsafeRawBufferPointer(start: grown, count: bytes.count)
        } else {
            if let spill = unsafe spill { unsafe free(spill) }
            unsafe spill = nil
            spillCapacity = 0
            guard let fresh = unsafe malloc(capacity) else { throw .io(SystemError(code: ENOMEM)) }
            unsafe spill = unsafe fresh
        }
        spillCapacity = capacity
    }

    /// Leaves the spill buffer: frees it when it is large.
    private func releaseLargeSpill() {
        bytesInSpill = false
        if spillCapacity > Self.retainedSpillCapacity, let spill = unsafe spill {
            unsafe free(spill)
            unsafe self.spill = nil
            spillCapacity = 0
        }
    }
}
