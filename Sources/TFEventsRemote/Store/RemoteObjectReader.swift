import Dispatch
import NIOCore
import Synchronization
import TFEventsSystem

/// Reads one object front to back in blocks fetched ahead: up to `depth`
/// ranged GETs of `blockSize` bytes are in flight while the caller decodes
/// the block before them, so the network never waits for decoding (or the
/// other way round). Blocks beyond the first of each reader come out of one
/// budget shared by every reader of the process (``memoryBudget``), so
/// sixteen objects read at once hold 128 MiB at most, not 16 × 32 MiB; a
/// reader always gets its next block, so none starves.
///
/// Each block is pinned to the version listed (S3 `If-Match`, GCS
/// `generation`), so an object replaced mid-read is an error, never a mix
/// of two versions; a block always arrives whole (``HTTPSession/download``
/// resumes interrupted bodies) or as an error naming the URL and offset.
final class RemoteObjectReader: ObjectReader {
    /// Block size (`TFEVENTS_REMOTE_BLOCK_SIZE`, bytes; default 8 MiB).
    static let blockSize = Environment.value("TFEVENTS_REMOTE_BLOCK_SIZE").flatMap(Int.init).map { max(4096, $0) } ?? 8 << 20
    /// Blocks in flight per object (`TFEVENTS_REMOTE_DEPTH`; default 4).
    static let depth = Environment.value("TFEVENTS_REMOTE_DEPTH").flatMap(Int.init).map { max(1, $0) } ?? 4
    /// Bytes of blocks fetched ahead by all readers together, beyond each
    /// reader's next one (`TFEVENTS_REMOTE_MEMORY`; default 128 MiB).
    static let memoryBudget = Environment.value("TFEVENTS_REMOTE_MEMORY").flatMap(Int.init).map { max(0, $0) } ?? 128 << 20
    /// What the readers hold of ``memoryBudget`` now.
    private static let budgetUsed = Mutex(0)

    /// Bytes of the shared budget held now (0 once every reader is gone).
    static var budgetInUse: Int { budgetUsed.withLock { $0 } }

    private static func reserve(_ bytes: Int) -> Bool {
        budgetUsed.withLock { used in
            guard used + bytes <= memoryBudget else { return false }
            used += bytes
            return true
        }
    }

    private static func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        budgetUsed.withLock { $0 -= bytes }
    }

    /// One block on its way.
    private final class Fetch: Sendable {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<ByteBuffer, SystemError>?>(nil)
        let task = Mutex<Task<Void, Never>?>(nil)
        /// Bytes taken from the shared budget for this block (0: the
        /// reader's own next block).
        let budgeted: Int

        init(budgeted: Int) {
            self.budgeted = budgeted
        }

        func wait() -> Result<ByteBuffer, SystemError> {
            done.wait()
            done.signal()  // a second wait (never made) would not block
            return result.withLock { $0! }
        }
    }

    let size: Int
    private let service: any ObjectService
    private let bucket: String
    private let object: RemoteObject
    private var current = ByteBuffer()
    /// Budget held by `current` (released when it is used up).
    private var currentBudget = 0
    private var pending: [Fetch] = []
    private var nextStart: Int

    /// This reader's block size and depth (the statics unless a test says).
    private let blockBytes: Int
    private let depthLimit: Int

    init(service: any ObjectService, bucket: String, object: RemoteObject, offset: Int,
         blockSize: Int = RemoteObjectReader.blockSize, depth: Int = RemoteObjectReader.depth) {
        blockBytes = max(1, blockSize)
        depthLimit = max(1, depth)
        self.service = service
        self.bucket = bucket
        self.object = object
        size = object.size
        nextStart = min(max(0, offset), object.size)
    }

    deinit {
        for fetch in pending {
            fetch.task.withLock { $0?.cancel() }
            Self.release(fetch.budgeted)
        }
        Self.release(currentBudget)
    }

    private func topUp() {
        while pending.count < depthLimit && nextStart < size {
            let lower = nextStart
            let upper = min(size, lower + blockBytes)
            var budgeted = 0
            if !pending.isEmpty {
                guard Self.reserve(upper - lower) else { return }
                budgeted = upper - lower
            }
            nextStart = upper
            let fetch = Fetch(budgeted: budgeted)
            let service = service, bucket = bucket, object = object
            let task = Task(executorPreference: RemoteExecutor.shared) {
                let outcome: Result<ByteBuffer, SystemError>
                do throws(SystemError) { outcome = .success(try await service.block(bucket: bucket, object: object, lower, upper)) } catch {
                    outcome = .failure(error)
                }
                fetch.result.withLock { $0 = outcome }
                fetch.done.signal()
            }
            fetch.task.withLock { $0 = task }
            pending.append(fetch)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        if current.readableBytes == 0 {
            Self.release(currentBudget)
            currentBudget = 0
            topUp()
            guard !pending.isEmpty else { return 0 }
            let fetch = pending.removeFirst()
            currentBudget = fetch.budgeted
            current = try fetch.wait().get()
            topUp()
        }
        let count = min(buffer.count, current.readableBytes)
        unsafe current.withUnsafeReadableBytes { source in
            unsafe buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[..<count]))
        }
        current.moveReaderIndex(forwardBy: count)
        if current.readableBytes == 0 {
            Self.release(currentBudget)  // used up: its share goes back at once
            currentBudget = 0
        }
        return count
    }
}
