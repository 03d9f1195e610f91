import Synchronization
import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM turned into a flag that long-running commands check
/// between steps, so they stop cleanly instead of dying mid-export.
enum TerminationSignals {
    /// Set by the handler; read by the loop.
    private static let received = Atomic<Int32>(0)

    /// The signal received, or nil.
    static var receivedSignal: Int32? {
        let value = received.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// Installs the handlers (without SA_RESTART, so a sleep ends early).
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            // Only an atomic store: async-signal-safe.
            TerminationSignals.received.store(signal, ordering: .relaxed)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        unblock()
    }

    /// Unblocks SIGINT, SIGTERM and SIGHUP. A parent may have started us
    /// with them blocked (the mask is inherited across exec; test runners
    /// do this): a command that cannot be stopped, or that never removes its
    /// temporary files when it is, is no use. Called first thing in `main`.
    static func unblock() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Sleeps `seconds`, waking early when a signal arrives.
    /// - Returns: false when a signal was received.
    static func sleep(seconds: Double) -> Bool {
        var left = seconds
        while left > 0 {
            if receivedSignal != nil { return false }
            let slice = min(left, 0.1)
            var request = timespec(tv_sec: Int(slice), tv_nsec: Int((slice - Double(Int(slice))) * 1e9))
            nanosleep(&request, nil)
            left -= slice
        }
        return receivedSignal == nil
    }
}
