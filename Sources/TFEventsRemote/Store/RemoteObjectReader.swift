import Dispatch
import NIOCore
import Synchronization
import TFEventsSystem

/// Reads one object front to back in blocks fetched ahead: up to `depth`
/// ranged GETs of `blockSize` bytes are in flight while the caller decodes
/// the block before them, so memory stays at `depth × blockSize` and the
/// network never waits for decoding (or the other way round).
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

    /// One block on its way.
    private final class Fetch: Sendable {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<ByteBuffer, SystemError>?>(nil)
        let task = Mutex<Task<Void, Never>?>(nil)

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
    private var pending: [Fetch] = []
    private var nextStart: Int

    init(service: any ObjectService, bucket: String, object: RemoteObject, offset: Int) {
        self.service = service
        self.bucket = bucket
        self.object = object
        size = object.size
        nextStart = min(max(0, offset), object.size)
    }

    deinit {
        for fetch in pending { fetch.task.withLock { $0?.cancel() } }
    }

    private func topUp() {
        while pending.count < Self.depth && nextStart < size {
            let lower = nextStart
            let upper = min(size, lower + Self.blockSize)
            nextStart = upper
            let fetch = Fetch()
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
            topUp()
            guard !pending.isEmpty else { return 0 }
            let fetch = pending.removeFirst()
            current = try fetch.wait().get()
            topUp()
        }
        let count = min(buffer.count, current.readableBytes)
        unsafe current.withUnsafeReadableBytes { source in
            unsafe buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[..<count]))
        }
        current.moveReaderIndex(forwardBy: count)
        return count
    }
}
