import Dispatch
import Synchronization
import TFRecord
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The export lock in a bucket: an object created with a create-only
/// precondition (`If-None-Match: *` on S3, `ifGenerationMatch=0` on GCS),
/// holding who owns it and until when.
///
/// No process dies holding a bucket lock forever: the lock is a lease of
/// ``duration`` seconds (`TFEVENTS_EXPORT_LEASE`, default 120), renewed by
/// its holder every third of it with a write conditional on the version it
/// last wrote. A lock whose lease has run out is taken over: deleted on
/// the condition that it is still the version read, then created again,
/// so of two processes taking over the same stale lock one wins. A holder
/// that fails to renew (the network was gone longer than the lease, or the
/// lock was taken over) knows it: ``isHeld`` turns false.
///
/// Stores that ignore the preconditions (some S3-compatible servers; the
/// GCS emulator) cannot make this exclusive: two exporters started at once
/// on such a store may both believe they hold the lock.
final class ExportLease: Sendable {
    /// The lock object.
    let url: String
    /// Seconds a lease lasts.
    let duration: Int
    private let token: String
    private let store: any ObjectStore
    private let state: Mutex<State>
    private let stopped = DispatchSemaphore(value: 0)

    private struct State {
        var version: String
        var held = true
        var released = false
    }

    /// What another process's lock says.
    struct Holder: Sendable {
        var description: String
        var expires: Int64
    }

    /// `TFEVENTS_EXPORT_LEASE`, else 120 seconds (at least 3).
    static var defaultDuration: Int {
        Environment.value("TFEVENTS_EXPORT_LEASE").flatMap(Int.init).map { max(3, $0) } ?? 120
    }

    /// Takes the lock at `url`.
    ///
    /// - Throws: ``ExportError/leased(lockPath:holder:expires:)`` while
    ///   another process's lease runs; a storage error otherwise.
    init(url: String, store: any ObjectStore, duration: Int = ExportLease.defaultDuration) throws(ExportError) {
        self.url = url
        self.store = store
        self.duration = duration
        var random = SystemRandomNumberGenerator()
        token = (0 ..< 4).map { _ in String(random.next() as UInt32, radix: 16) }.joined(separator: "-")
        let attempt: Attempt
        do { attempt = try Self.take(url, body: Self.body(token: token, duration: duration), store: store) } catch {
            throw .fileSystem(operation: "lock", path: url, error: error)
        }
        switch attempt {
        case .taken(let version):
            state = Mutex(State(version: version))
        case .held(let holder):
            throw .leased(lockPath: url, holder: holder.description, expires: holder.expires)
        case .contended:
            throw .leased(lockPath: url, holder: "another process (the lock changed hands while being taken)", expires: 0)
        }
        // The renewing thread holds the lease weakly: dropping the lease
        // (its deinit releases it) ends the thread at its next wake-up.
        let interval = max(1, duration / 3), stopped = stopped
        DispatchQueue.global().async { [weak self] in
            var lastRenewal = SystemClock.seconds
            while stopped.wait(timeout: .now() + .seconds(interval)) == .timedOut {
                guard let self, self.renew(lastRenewal: &lastRenewal) else { return }
            }
        }
    }

    deinit { release() }

    /// How taking the lock went.
    private enum Attempt {
        /// Created; this version is ours.
        case taken(version: String)
        /// Another process's lease runs.
        case held(Holder)
        /// It kept changing hands.
        case contended
    }

    /// Creates the lock object, taking over one whose lease has run out
    /// (deleted on condition that it is still the version read, so of two
    /// processes taking over the same stale lock one wins).
    private static func take(_ url: String, body: [UInt8], store: any ObjectStore) throws(SystemError) -> Attempt {
        for _ in 0 ..< 4 {
            if let created = try store.write(url, bytes: body, condition: .absent) { return .taken(version: created) }
            guard let (bytes, current) = try store.readVersioned(url, limit: 64 << 10) else { continue }  // just released
            let holder = holder(in: bytes)
            if holder.expires > Int64(SystemClock.seconds) { return .held(holder) }
            _ = try store.delete(url, ifVersion: current)
        }
        return .contended
    }

    /// Whether the lease is still this process's.
    var isHeld: Bool { state.withLock { $0.held && !$0.released } }

    /// Deletes the lock object (only while it is the version this process
    /// wrote) and stops renewing.
    func release() {
        let version: String? = state.withLock { state in
            guard !state.released else { return nil }
            state.released = true
            return state.held ? state.version : nil
        }
        stopped.signal()
        if let version { _ = try? store.delete(url, ifVersion: version) }
    }

    /// Renews the lease once; false when there is nothing more to renew
    /// (released, or lost: taken over, or run out while the store was
    /// unreachable).
    private func renew(lastRenewal: inout Int) -> Bool {
        guard let version = state.withLock({ $0.held && !$0.released ? $0.version : nil }) else { return false }
        do {
            let renewed = try store.write(url, bytes: Self.body(token: token, duration: duration), condition: .version(version))
            state.withLock { state in
                if let renewed { state.version = renewed } else { state.held = false }
            }
            lastRenewal = SystemClock.seconds
            return renewed != nil
        } catch {
            // The network may come back; the lease is lost only once it has run out.
            guard SystemClock.seconds - lastRenewal < duration else {
                state.withLock { $0.held = false }
                return false
            }
            return true
        }
    }

    /// The lock's content: who holds it, until when (seconds since the epoch).
    static func body(token: String, duration: Int) -> [UInt8] {
        let expires = SystemClock.seconds + duration
        return Array("""
            tfevents export lock
            holder=\(SystemClock.hostname) process \(getpid())
            token=\(token)
            expires=\(expires)

            """.utf8)
    }

    /// The holder and expiry a lock names; an unreadable lock counts as
    /// expired (nothing can renew it).
    static func holder(in bytes: [UInt8]) -> Holder {
        var holder = Holder(description: "another process", expires: 0)
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("holder=") { holder.description = String(line.dropFirst(7)) }
            if line.hasPrefix("expires="), let value = Int64(line.dropFirst(8)) { holder.expires = value }
        }
        return holder
    }
}
