import Dispatch
import Synchronization
import TFEvents

/// Rows of text for runs of points, made in slices of ``slice`` points on
/// worker threads (one per core) and written in order: formatting doubles
/// is most of the work of `scalars --format csv/jsonl` through the index,
/// and this spreads it over the cores while the text in memory stays a few
/// megabytes (from the files, ``FileRows`` formats as it reads).
///
/// Slices are queued and taken by whichever worker is free, with no
/// barrier between them: a worker that shares its core for a while (with
/// the threads decoding the next chunks of the index) takes fewer slices,
/// and the other keeps going instead of waiting for it at the end of every
/// window. A writer thread writes the slices in
/// the order they were queued. At most ``buffersPerWorker`` slices per
/// worker are queued, being made or waiting to be written; each holds one
/// buffer, and every buffer serves slice after slice (fresh memory is slow
/// to first touch).
final class SlicedRows: Sendable {
    /// Points per slice (about 2.6 MB of CSV with long paths).
    static let slice = 16_384
    /// Slices queued, being made or waiting for the writer, per worker: how
    /// far one worker can run ahead of another that is held up.
    static let buffersPerWorker = 3

    /// Worker threads: the cores used.
    let slices: Int
    /// The rows' format.
    let format: ScalarTextRows.Format
    /// Standard output: written only on `writer` from the first slice to
    /// ``finish()``.
    private nonisolated(unsafe) let out: StandardOutput
    private let writer = DispatchQueue(label: "tfevents.rows-writer")
    /// One token per buffer: taken when a slice is queued, given back when
    /// it is written. Slices are queued in order after taking a token, so
    /// the next slice to write always holds one (no wait can close a cycle).
    private let room: DispatchSemaphore
    /// Signalled once per slice queued, and once per worker to stop.
    private let queued = DispatchSemaphore(value: 0)
    /// Left once per slice made: ``waitUntilMade()`` waits for it.
    private let making = DispatchGroup()
    private let workers = DispatchGroup()
    private let state = Mutex(State())

    /// A slice to make: its place in the output and its points.
    private struct Task: Sendable {
        let sequence: Int
        let points: Range<Int>
        let make: @Sendable (_ points: Range<Int>, _ rows: inout ScalarTextRows) -> Void
        let countdown: Countdown?
    }

    private struct State: ~Copyable {
        /// Queued slices (nil: a worker's signal to stop), taken from `head`.
        var tasks: [Task?] = []
        var head = 0
        /// Made slices waiting for the writer, by sequence number.
        var made: [Int: ScalarTextRows] = [:]
        /// Buffers not in use.
        var spare: [ScalarTextRows] = []
        /// The next sequence number to queue, and to write.
        var nextToQueue = 0
        var nextToWrite = 0
    }

    /// The worker threads for `cores` cores writing to `out`: one fewer
    /// into a pipe, whose reader needs one.
    static func slices(cores: Int, writingTo out: StandardOutput) -> Int {
        out.isPipe ? max(1, cores - 1) : cores
    }

    /// Rows in `format` for `out`, made on `slices` worker threads.
    init(format: ScalarTextRows.Format, slices: Int, out: StandardOutput) {
        self.format = format
        self.slices = max(1, slices)
        self.out = out
        room = DispatchSemaphore(value: self.slices * Self.buffersPerWorker)
        for worker in 0 ..< self.slices {
            // Queues of their own, not the global pool, whose threads the
            // readers and decoders may hold.
            DispatchQueue(label: "tfevents.rows.\(worker)").async(group: workers) { [self] in work() }
        }
    }

    /// Queues the rows `make` puts in its buffer (emptied, its row starts
    /// forgotten) for each slice of the points `0 ..< count`, to be written
    /// after everything queued before. Returns once they are queued, which
    /// waits only while the buffers are all taken: `make` may run after the
    /// call returns, so what it reads must not change until
    /// ``waitUntilMade()`` (it captures copies, which share storage).
    ///
    /// `whenMade`, when given, is called on a row thread once every slice
    /// of this call is made and its `make` released (before
    /// ``waitUntilMade()`` returns): the caller may then take back what
    /// `make` read, unshared.
    func write(count: Int, _ make: @escaping @Sendable (_ points: Range<Int>, _ rows: inout ScalarTextRows) -> Void,
               whenMade: (@Sendable () -> Void)? = nil) {
        guard count > 0 else {
            whenMade?()
            return
        }
        let countdown = whenMade.map { Countdown(slices: (count + Self.slice - 1) / Self.slice, done: $0) }
        var start = 0
        while start < count {
            let end = min(count, start + Self.slice)
            room.wait()
            let points = start ..< end
            making.enter()
            state.withLock { state in
                state.tasks.append(Task(sequence: state.nextToQueue, points: points, make: make, countdown: countdown))
                state.nextToQueue += 1
            }
            queued.signal()
            start = end
        }
    }

    /// The slices of one ``write(count:_:whenMade:)`` still to be made, and
    /// what to call when none are left.
    private final class Countdown: Sendable {
        private let remaining: Atomic<Int>
        private let done: @Sendable () -> Void

        init(slices: Int, done: @escaping @Sendable () -> Void) {
            remaining = Atomic(slices)
            self.done = done
        }

        /// One more slice made; the last calls `done`.
        func sliceMade() {
            if remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done() }
        }
    }

    /// Waits until every slice queued so far is made (not necessarily
    /// written): what their `make` read may then change.
    func waitUntilMade() {
        making.wait()
    }

    /// Waits until every slice queued is written and stops the workers
    /// (before anything else writes to standard output; nothing may be
    /// queued after).
    func finish() {
        making.wait()
        writer.sync {}
        state.withLock { state in
            for _ in 0 ..< slices { state.tasks.append(nil) }
        }
        for _ in 0 ..< slices { queued.signal() }
        workers.wait()
    }

    /// A worker: makes queued slices until told to stop.
    private func work() {
        while true {
            queued.wait()
            guard let countdown = makeNext() else { return }
            writer.async { [self] in writeMade() }
            countdown?.sliceMade()
            making.leave()
        }
    }

    /// Makes the next queued slice and leaves it for the writer; returns
    /// its call's countdown (nil inside when it has none), nil when told to
    /// stop. The task, and what its `make` captured, is released on return:
    /// before the countdown is told and ``waitUntilMade()`` returns, so that
    /// what the caller gave `make` is no longer shared.
    private func makeNext() -> Countdown?? {
        let task = state.withLock { state -> Task? in
            let task = state.tasks[state.head]
            state.tasks[state.head] = nil
            state.head += 1
            // Forget what every worker has taken, now and then.
            if state.head == state.tasks.count {
                state.tasks.removeAll(keepingCapacity: true)
                state.head = 0
            }
            return task
        }
        guard let task else { return nil }
        // The only reference to the buffer from here on: a second one
        // would make the first write copy it.
        var rows = state.withLock { $0.spare.popLast() } ?? ScalarTextRows(format: format, capacity: Self.slice * 160)
        rows.removeAll()
        rows.forgetRowPrefixes()
        task.make(task.points, &rows)
        state.withLock { $0.made[task.sequence] = rows }
        return .some(task.countdown)
    }

    /// On the writer: writes the made slices that are next in order.
    private func writeMade() {
        while true {
            let next = state.withLock { state -> ScalarTextRows? in
                state.made.removeValue(forKey: state.nextToWrite)
            }
            guard var rows = next else { return }
            rows.drain { out.write(bytes: $0) }
            state.withLock { state in
                state.spare.append(rows)
                state.nextToWrite += 1
            }
            room.signal()
        }
    }
}

/// Per tag id, the row start (path and tag) a slice's rows registered, made
/// the first time the slice uses the tag: an array lookup per point.
struct RowStarts {
    private static let undecided = -2
    private var ids: [Int]

    /// Room for `tags` tag ids.
    init(tags: Int) { ids = [Int](repeating: Self.undecided, count: tags) }

    /// The row start of tag `tag` in `rows`, registered from `fields[tag]`
    /// (nil: the tag is filtered out, and so is the result) the first time.
    @inline(__always)
    mutating func id(of tag: Int, path: [UInt8], in rows: inout ScalarTextRows, fields: [[UInt8]?]) -> Int? {
        if ids[tag] == Self.undecided {
            ids[tag] = fields[tag].map { rows.rowPrefix(path: path, tag: $0) } ?? -1
        }
        let id = ids[tag]
        return id >= 0 ? id : nil
    }
}
