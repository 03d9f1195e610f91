#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Fixed buffers ("slots") that a ``ByteStream`` is read into, one chunk per
/// slot, either on the caller's thread or ahead of it on a second thread.
///
/// Each slot is `headroom + chunkCapacity` bytes. A chunk is read into the
/// part after the headroom; the headroom in front of it is where
/// ``StreamWindow`` moves the unread end of the previous chunk (a record
/// that straddles two chunks), so the record becomes contiguous with one
/// copy of its first part and none of the rest.
///
/// With a producer thread (``init(stream:chunkCapacity:headroom:background:)``
/// with `background: true`), decompression of the next chunks overlaps the
/// verification and decoding of the current one: on two cores reading a
/// compressed log costs about as much as decompressing it. The stream is
/// then used only by the producer thread until it ends, fails, or the
/// consumer goes away.
///
/// Slots are handed out and back with ``next()`` and ``release(_:)``. The
/// consumer holds at most two slots at once, and only one while waiting, so
/// the producer always has a slot to fill.
@safe final class ChunkPipeline: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`, except `stream`,
    // which belongs to the producer thread once it started (or to the
    // consumer when there is no producer thread).

    /// How a stream ended, after the bytes of the chunk that carries it.
    enum End: Sendable {
        /// The stream returned 0. `midStream`: it ended inside a
        /// compressed member or frame (``ByteStream/endedMidStream``).
        case finished(midStream: Bool)
        /// Reading failed.
        case failed(ByteStreamError)
    }

    /// Bytes read into one slot: `slot[start ..< start + count]`.
    struct Chunk {
        var slot: Int
        var start: Int
        var count: Int
        /// Set on the last chunk: how the stream ended after these bytes.
        var end: End?
        /// The stream's ``ByteStream/compressedOffset`` after this chunk.
        var inputOffset: Int?
    }

    let chunkCapacity: Int
    let headroom: Int
    private let slotSize: Int
    private let slots: [UnsafeMutableRawPointer]
    private let stream: any ByteStream

    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    private var free: [Int]
    private var filled: [Chunk] = []
    private var cancelled = false
    private var finished = false
    /// Whether a producer thread reads the stream.
    private(set) var isBackground = false

    /// Slots when a producer thread reads ahead: one being read, one or two
    /// queued, one or two held by the consumer.
    static let backgroundSlots = 4

    /// Prepares the slots; with `background`, starts the producer thread
    /// (falling back to reading on the caller's thread if it cannot start).
    init(stream: any ByteStream, chunkCapacity: Int, headroom: Int, background: Bool) {
        self.stream = stream
        self.chunkCapacity = max(chunkCapacity, 1)
        self.headroom = max(headroom, 0)
        let size = self.headroom + self.chunkCapacity
        slotSize = size
        let count = background ? Self.backgroundSlots : 2
        unsafe slots = unsafe (0 ..< count).map { _ in UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64) }
        free = Array((0 ..< count).reversed())
        unsafe lock = .allocate(capacity: 1)
        unsafe lock.initialize(to: pthread_mutex_t())
        unsafe pthread_mutex_init(lock, nil)
        unsafe changed = .allocate(capacity: 1)
        unsafe changed.initialize(to: pthread_cond_t())
        unsafe pthread_cond_init(changed, nil)
        if background { isBackground = startProducer() }
    }

    deinit {
        for unsafe slot in unsafe slots { unsafe slot.deallocate() }
        unsafe pthread_cond_destroy(changed)
        unsafe changed.deallocate()
        unsafe pthread_mutex_destroy(lock)
        unsafe lock.deallocate()
    }

    /// The base address of `slot`.
    func base(of slot: Int) -> UnsafeMutableRawPointer { unsafe slots[slot] }

    /// The next chunk: waits for the producer thread, or reads one now.
    ///
    /// After a chunk carrying an ``End``, must not be called again.
    func next() -> Chunk {
        if !isBackground {
            let slot = free.removeLast()
            return fill(slot)
        }
        unsafe pthread_mutex_lock(lock)
        while filled.isEmpty { unsafe pthread_cond_wait(changed, lock) }
        let chunk = filled.removeFirst()
        unsafe pthread_mutex_unlock(lock)
        return chunk
    }

    /// Gives `slot` back to be filled again.
    func release(_ slot: Int) {
        guard isBackground else {
            free.append(slot)
            return
        }
        unsafe pthread_mutex_lock(lock)
        free.append(slot)
        unsafe pthread_cond_signal(changed)
        unsafe pthread_mutex_unlock(lock)
    }

    /// Tells the producer thread to stop after its current read. Called when
    /// the consumer goes away; the pipeline is freed when the thread exits.
    func cancel() {
        guard isBackground else { return }
        unsafe pthread_mutex_lock(lock)
        cancelled = true
        unsafe pthread_cond_signal(changed)
        unsafe pthread_mutex_unlock(lock)
    }

    /// Reads one chunk into `slot` (one `read` call, so a pipe hands over
    /// what has arrived).
    private func fill(_ slot: Int) -> Chunk {
        var chunk = Chunk(slot: slot, start: headroom, count: 0, end: nil)
        if finished {
            chunk.end = .finished(midStream: false)
            return chunk
        }
        do {
            let count = unsafe try stream.read(into: UnsafeMutableRawBufferPointer(start: slots[slot] + headroom,
                                                                            count: chunkCapacity))
            if count == 0 {
                chunk.end = .finished(midStream: stream.endedMidStream)
            } else {
                chunk.count = count
            }
        } catch {
            chunk.end = .failed(error)
        }
        if chunk.end != nil { finished = true }
        chunk.inputOffset = stream.compressedOffset
        return chunk
    }

    // MARK: - Producer thread

    private func startProducer() -> Bool {
        let context = unsafe Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let status = unsafe pthread_create(&thread, nil, { context in
            #if canImport(Darwin)
            let pipeline = Unmanaged<ChunkPipeline>.fromOpaque(context).takeRetainedValue()
            #else
            // Never nil: it is the pointer given to pthread_create below.
            guard let context = unsafe context else { return nil }
            let pipeline = unsafe Unmanaged<ChunkPipeline>.fromOpaque(context).takeRetainedValue()
            #endif
            pipeline.produce()
            return nil
        }, unsafe context)
        guard status == 0 else {
            unsafe Unmanaged<ChunkPipeline>.fromOpaque(context).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    /// The producer loop: fill free slots in order until the stream ends or
    /// fails, or the consumer cancels.
    private func produce() {
        while true {
            unsafe pthread_mutex_lock(lock)
            while free.isEmpty && !cancelled { unsafe pthread_cond_wait(changed, lock) }
            if cancelled {
                unsafe pthread_mutex_unlock(lock)
                return
            }
            let slot = free.removeLast()
            unsafe pthread_mutex_unlock(lock)

            let chunk = fill(slot)

            unsafe pthread_mutex_lock(lock)
            filled.append(chunk)
            unsafe pthread_cond_signal(changed)
            unsafe pthread_mutex_unlock(lock)
            if chunk.end != nil { return }
        }
    }
}
