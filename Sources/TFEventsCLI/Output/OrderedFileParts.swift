import Dispatch
import Synchronization
import TFEvents

/// What several files (or ranges of files) give, made on worker threads
/// and handed over in order, in bounded memory: the blocks of points
/// `scalars` reads from the files (``PointBlock``) before writing them as
/// Arrow, and the rows of text of ranges of the files (``FileRows``).
///
/// Workers take files in order; each file's parts go through its own queue
/// of at most `partsPerFile` parts, which the consumer (the
/// caller's thread) empties file after file. A worker ahead of the consumer
/// waits for room, and the file being consumed is always being made (files
/// are taken in order), so nothing waits forever. Parts the consumer is
/// done with are reused by workers (``spare()``): fresh memory is slow to
/// first touch.
final class OrderedFileParts<Part: Sendable, End: Sendable>: Sendable {
    /// What goes through a file's queue: parts, then what ends it (the
    /// file's summary).
    private enum Piece: Sendable {
        case part(Part)
        case end(End)
    }

    /// One file's queue.
    private final class Queue: Sendable {
        let filled = DispatchSemaphore(value: 0)
        let room: DispatchSemaphore
        init(room: Int) { self.room = DispatchSemaphore(value: room) }
        let pieces = Mutex<[Piece]>([])

        func push(_ piece: Piece, waitingForRoom: Bool) {
            if waitingForRoom { room.wait() }
            pieces.withLock { $0.append(piece) }
            filled.signal()
        }

        func pop() -> Piece {
            filled.wait()
            let piece = pieces.withLock { $0.removeFirst() }
            if case .part = piece { room.signal() }
            return piece
        }
    }

    private let queues: [Queue]
    private let spares = Mutex<[Part]>([])

    /// Queues for `count` files, each holding at most `partsPerFile` parts.
    init(count: Int, partsPerFile: Int) {
        queues = (0 ..< count).map { _ in Queue(room: partsPerFile) }
    }

    /// A part the consumer is done with, to be reused; nil when there is none.
    func spare() -> Part? {
        spares.withLock { $0.popLast() }
    }

    /// Keeps `part` (emptied, its room kept) for ``spare()``: for a part the
    /// consumer took out of ``drain(file:_:)`` to finish with later.
    func recycle(_ part: Part) {
        spares.withLock { $0.append(part) }
    }

    /// Queues a part of file `index` (waits while its queue is full).
    func push(_ part: Part, file index: Int) {
        queues[index].push(.part(part), waitingForRoom: true)
    }

    /// Ends file `index` with its summary.
    func finish(file index: Int, summary: End) {
        queues[index].push(.end(summary), waitingForRoom: false)
    }

    /// Hands file `index`'s parts to `consume`, one by one, as they come;
    /// returns its summary. What `consume` leaves of a part (emptied, its
    /// room kept) is kept for ``spare()``.
    func drain(file index: Int, _ consume: (inout Part) -> Void) -> End {
        while true {
            switch queues[index].pop() {
            case .part(var part):
                consume(&part)
                spares.withLock { $0.append(part) }
            case .end(let summary):
                return summary
            }
        }
    }
}

/// The bounds of ``OrderedFileParts``.
enum OrderedFiles {
    /// Blocks of points a file may have waiting (``PointBlock``: 65,536
    /// points, 1.75 MiB) with `workers` reading files: 64 blocks (112 MiB)
    /// shared out, at least 8 each, so that a worker reading the next file
    /// is not held back while the one before it is written (8 each held the
    /// two workers of a log of 128 MiB files to one at a time: 1 GiB in
    /// 3.40 s; 32 each, 2.28 s, at a peak of 159 MB instead of 40 MB).
    static func pointBlocksPerFile(workers: Int) -> Int { max(8, 64 / max(1, workers)) }
}
