#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended.
public enum ProcessTermination: Sendable, Equatable {
    /// It exited with this status.
    case exited(Int32)
    /// A signal killed it.
    case signaled(Int32)
    /// It ran longer than the timeout and was killed.
    case timedOut(seconds: Double)
    /// It could not be started.
    case notStarted(SystemError)
}

/// Spawns a process with `posix_spawn`, output captured through a pipe.
package enum ChildProcess {
    /// How a run ended, and the end of what the process printed.
    package struct Run: Sendable {
        /// How it ended.
        package var termination: ProcessTermination
        /// The last ``tailLimit`` bytes of its output, as text.
        package var outputTail: String
    }

    /// Bytes of output kept for ``Run/outputTail``.
    package static let tailLimit = 4096

    /// Runs `arguments` (the first is the executable's path) with this
    /// process's environment plus `environment`, standard input from
    /// `/dev/null`, standard output and error captured; kills it after
    /// `timeout` seconds.
    package static func run(arguments: [String], environment: [String: String], timeout: Double?,
                    onOutput: (@Sendable ([UInt8]) -> Void)?) -> Run {
        var pipeFDs: [Int32] = [-1, -1]
        // Both ends close-on-exec, set atomically: a child spawned at the
        // same time by another thread must not inherit the write end, or
        // the end of output would wait for that child. dup2 in the child
        // clears the flag on its standard output and error.
        guard makePipe(&pipeFDs) == 0 else { return Run(termination: .notStarted(.current), outputTail: "") }
        let (readFD, writeFD) = (pipeFDs[0], pipeFDs[1])

        var actions = unsafe posix_spawn_file_actions_t()
        unsafe posix_spawn_file_actions_init(&actions)
        defer { unsafe posix_spawn_file_actions_destroy(&actions) }
        unsafe posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        unsafe posix_spawn_file_actions_adddup2(&actions, writeFD, 1)
        unsafe posix_spawn_file_actions_adddup2(&actions, writeFD, 2)

        // The environment: ours, with the extra variables replacing any of the same name.
        var variables: [String] = []
        var index = 0
        while let entry = unsafe environ[index] {
            let text = unsafe String(cString: entry)
            let name = text.prefix { $0 != "=" }
            if environment[String(name)] == nil { variables.append(text) }
            index += 1
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) { variables.append("\(name)=\(value)") }

        // The child starts with no signal blocked and the usual dispositions,
        // whatever this process's threads block or ignore.
        var attributes = posix_spawnattr_t()
        unsafe posix_spawnattr_init(&attributes)
        defer { unsafe posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        unsafe sigemptyset(&emptyMask)
        unsafe posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        unsafe sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { unsafe sigaddset(&defaults, signal) }
        unsafe posix_spawnattr_setsigdefault(&attributes, &defaults)
        // Its own process group (id = its pid), so that a timeout ends the
        // command and everything it started, not only `/bin/sh`.
        unsafe posix_spawnattr_setpgroup(&attributes, 0)
        unsafe posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var pid: pid_t = 0
        let spawned: Int32 = unsafe withCStrings(arguments) { argv in
            unsafe withCStrings(variables) { envp in
                unsafe posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
            }
        }
        close(writeFD)
        guard spawned == 0 else {
            close(readFD)
            return Run(termination: .notStarted(SystemError(code: spawned)), outputTail: "")
        }

        var tail: [UInt8] = []
        var timedOut = false
        let start = monotonicSeconds()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        reading: while true {
            var waitMilliseconds: Int32 = 1000
            if let timeout {
                let left = timeout - (monotonicSeconds() - start)
                if left <= 0 {
                    kill(-pid, SIGKILL)  // the whole group
                    timedOut = true
                    break reading
                }
                waitMilliseconds = Int32(min(1000, max(1, left * 1000)))
            }
            var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let ready = unsafe poll(&descriptor, 1, waitMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let count = unsafe buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return unsafe systemRead(readFD, base, raw.count)
            }
            if count > 0 {
                let chunk = Array(buffer[0 ..< count])
                onOutput?(chunk)
                tail.append(contentsOf: chunk)
                if tail.count > tailLimit { tail.removeFirst(tail.count - tailLimit) }
            } else if count == 0 {
                break  // every writer closed the pipe
            } else if errno != EINTR && errno != EAGAIN {
                break
            }
        }
        close(readFD)
        var status: Int32 = 0
        while unsafe waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = String(decoding: tail, as: UTF8.self)
        if timedOut { return Run(termination: .timedOut(seconds: timeout ?? 0), outputTail: text) }
        // The <sys/wait.h> macros, which Swift does not import.
        let signal = status & 0x7F
        if signal == 0 { return Run(termination: .exited((status >> 8) & 0xFF), outputTail: text) }
        return Run(termination: .signaled(signal), outputTail: text)
    }

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32

    /// glibc's `pipe2`, looked up at run time because the C library module
    /// does not export it.
    private static let pipe2: Pipe2? = {
        guard let symbol = unsafe dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2") else { return nil }
        return unsafe unsafeBitCast(symbol, to: Pipe2.self)
    }()

    /// A pipe whose ends are both close-on-exec: atomically with `pipe2`,
    /// else (no `pipe2`) with `fcntl` right after `pipe`.
    private static func makePipe(_ fds: inout [Int32]) -> Int32 {
        if let pipe2 = unsafe pipe2 {
            return unsafe fds.withUnsafeMutableBufferPointer { unsafe pipe2($0.baseAddress, O_CLOEXEC) }
        }
        guard unsafe pipe(&fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    /// Calls `body` with a NULL-terminated `char *[]` of `strings`.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = unsafe strings.map { unsafe strdup($0) } + [nil]
        defer { for unsafe pointer in unsafe pointers { unsafe free(pointer) } }
        return unsafe body(pointers)
    }

    static func monotonicSeconds() -> Double {
        Double(SystemClock.monotonicNanoseconds) * 1e-9
    }
}
