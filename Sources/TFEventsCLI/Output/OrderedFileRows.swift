import Dispatch
import Synchronization
import TFEvents

/// The scalar rows of several files, made on worker threads and written in
/// the files' order, in bounded memory.
///
/// Workers take files in order; each file's rows go through its own queue
/// of at most ``blocksPerFile`` blocks of about ``blockSize`` bytes, which
/// the writer (the caller's thread) empties file after file. A worker ahead
/// of the writer waits for room, and the file being written is always
/// being made (files are taken in order), so nothing waits forever. Blocks
/// are reused, never freed: fresh memory is slow to first touch.
final class OrderedFileRows: Sendable {
    static let blockSize = 256 * 1024
    static let blocksPerFile = 8

    /// What goes through a file's queue: rows, then the file's summary.
    private enum Piece: Sendable {
        case rows([UInt8])
        case end(FileScanSummary)
    }

    /// One file's queue.
    private final class Queue: Sendable {
        let filled = DispatchSemaphore(value: 0)
        let room = DispatchSemaphore(value: OrderedFileRows.blocksPerFile)
        let pieces = Mutex<[Piece]>([])

        func push(_ piece: Piece, waitingForRoom: Bool) {
            if waitingForRoom { room.wait() }
            pieces.withLock { $0.append(piece) }
            filled.signal()
        }

        func pop() -> Piece {
            filled.wait()
            let piece = pieces.withLock { $0.removeFirst() }
            if case .rows = piece { room.signal() }
            return piece
        }
    }

    private let queues: [Queue]
    private let spares = Mutex<[[UInt8]]>([])

    /// Queues for `count` files.
    init(count: Int) {
        queues = (0 ..< count).map { _ in Queue() }
    }

    /// A buffer to write rows into: a reused one when there is one.
    func spare() -> [UInt8] {
        spares.withLock { $0.popLast() } ?? []
    }

    /// Queues rows of file `index` (waits while its queue is full).
    func push(rows: [UInt8], file index: Int) {
        queues[index].push(.rows(rows), waitingForRoom: true)
    }

    /// Ends file `index` with its summary.
    func finish(file index: Int, summary: FileScanSummary) {
        queues[index].push(.end(summary), waitingForRoom: false)
    }

    /// Hands file `index`'s rows to `write`, block by block, as they come;
    /// returns its summary.
    func drain(file index: Int, _ write: ([UInt8]) -> Void) -> FileScanSummary {
        while true {
            switch queues[index].pop() {
            case .rows(var block):
                write(block)
                block.removeAll(keepingCapacity: true)
                spares.withLock { $0.append(block) }
            case .end(let summary):
                return summary
            }
        }
    }
}
