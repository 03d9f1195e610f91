import Dispatch
import Synchronization

/// Decodes stored chunks on other threads ahead of the one consuming them:
/// reading, checking and decompressing a chunk and decoding its columns
/// overlaps with whatever the consumer does with the previous ones
/// (writing Arrow batches, formatting rows). Chunks are handed to the
/// consumer in order; at most ``depth`` chunks are decoded or waiting at a
/// time, so memory stays a few chunks however large the log.
struct ChunkReadAhead {
    /// Chunks being decoded or waiting for the consumer, at most: a chunk
    /// of 262,144 points is about 5 MB decoded.
    static let depth = 2

    /// What the decoders and the consumer share.
    private final class Shared<Made: Sendable>: Sendable {
        let results = Mutex<[Int: Result<Made, IndexError>]>([:])
        /// Signalled once per result stored.
        let ready = DispatchSemaphore(value: 0)
        /// Room for one more chunk in flight.
        let room = DispatchSemaphore(value: ChunkReadAhead.depth)
        /// The next position to decode.
        let next = Atomic<Int>(0)
        /// Set when a decoder failed or the consumer stopped.
        let stop = Atomic<Bool>(false)
        /// Decoders still running.
        let running = Atomic<Int>(0)
    }

    /// Calls `body` with what `decode` made of every chunk of `files`, in
    /// order (files in order, chunks in file order): a decoded chunk, or
    /// something made from it on the decoding thread (rows of text); one at
    /// a time on another thread
    /// (`jobs` - 1 decoders, at least one). With one job or one chunk,
    /// everything happens on this thread.
    ///
    /// - Throws: the first failing chunk's error, after `body` had every
    ///   chunk before it.
    static func forEachChunk<Made: Sendable>(of files: [IndexedFile], jobs: Int,
                                             decode: @escaping @Sendable (IndexedFile, Int) throws(IndexError) -> Made,
                                             _ body: (IndexedFile, Made) -> Void) throws(IndexError) {
        let work = files.indices.flatMap { file in files[file].chunks.indices.map { (file: file, chunk: $0) } }
        guard jobs > 1, work.count > 1 else {
            for item in work { body(files[item.file], try decode(files[item.file], item.chunk)) }
            return
        }
        let shared = Shared<Made>()
        // As many decoders as cores: the consumer's part is the smaller
        // one, and it waits while they work.
        let decoders = min(jobs, work.count)
        shared.running.store(decoders, ordering: .relaxed)
        for decoder in 0 ..< decoders {
            // Each on a queue of its own, not the global one: a decoder
            // waiting for room would hold one of the global pool's threads
            // (one per core), and work the consumer spreads over the pool
            // (`concurrentPerform`) would then run on its thread alone.
            DispatchQueue(label: "tfevents.chunk-decoder.\(decoder)").async {
                defer { shared.running.wrappingSubtract(1, ordering: .relaxed) }
                while true {
                    shared.room.wait()
                    let position = shared.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard position < work.count, !shared.stop.load(ordering: .relaxed) else { return }
                    let item = work[position]
                    let result: Result<Made, IndexError>
                    do throws(IndexError) { result = .success(try decode(files[item.file], item.chunk)) } catch {
                        result = .failure(error)
                    }
                    shared.results.withLock { $0[position] = result }
                    shared.ready.signal()
                    if case .failure = result {
                        shared.stop.store(true, ordering: .relaxed)
                        return
                    }
                }
            }
        }
        defer {
            // Wake every decoder still waiting for room, so that each sees
            // the end (or the stop) and returns.
            shared.stop.store(true, ordering: .relaxed)
            for _ in 0 ..< decoders { shared.room.signal() }
        }
        for (position, item) in work.enumerated() {
            var result: Result<Made, IndexError>?
            while true {
                result = shared.results.withLock { $0.removeValue(forKey: position) }
                if result != nil { break }
                shared.ready.wait()
            }
            shared.room.signal()
            switch result {
            case .success(let chunk)?: body(files[item.file], chunk)
            case .failure(let error)?: throw error
            case nil: break
            }
        }
    }
}
