import Dispatch

/// Where the remote layer's async work runs: threads of its own, never
/// Swift's cooperative pool.
///
/// The readers are synchronous and block their caller until a request is
/// done (``HTTPSession/run(_:)``). When that caller is itself a task of the
/// cooperative pool (a library user's async code, a test), the request must
/// not need a thread of the same pool, or two blocked callers on a 2-core
/// machine would wait forever for each other. Every task of this module is
/// started with this executor as its preference, so it never does.
final class RemoteExecutor: TaskExecutor {
    static let shared = RemoteExecutor()

    private let queue = DispatchQueue(label: "tfevents.remote", attributes: .concurrent)

    /// Runs `job` on one of this executor's threads. The job is unowned
    /// for the hop (`UnownedJob` is the runtime's own handle) and run exactly
    /// once, here: the one unsafe construct of this module.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = unsafe asUnownedTaskExecutor()
        queue.async { unsafe job.runSynchronously(on: executor) }
    }
}
