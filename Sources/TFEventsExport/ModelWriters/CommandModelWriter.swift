import TFRecord
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``ModelWriter`` that runs a command: a Python script calling
/// TensorFlow to write a real SavedModel, a converter to ONNX, a copy to
/// object storage...
///
/// The command is run with `/bin/sh -c` after replacing placeholders, each
/// by one shell-quoted word (do not quote them yourself):
///
/// | placeholder     | value                                                   |
/// |-----------------|---------------------------------------------------------|
/// | `{checkpoint}`  | the checkpoint prefix (`model_dir/model.ckpt-225`)      |
/// | `{export_dir}`  | the temporary directory to write into (exists, empty)   |
/// | `{as_text}`     | `true` or `false`                                       |
/// | `{global_step}` | the evaluated step                                      |
/// | `{model_dir}`   | the model directory                                     |
/// | `{name}`        | the exporter's name                                     |
///
/// The same values are in the environment as `TFEVENTS_CHECKPOINT`,
/// `TFEVENTS_EXPORT_DIR`, `TFEVENTS_AS_TEXT`, `TFEVENTS_GLOBAL_STEP`,
/// `TFEVENTS_MODEL_DIR` and `TFEVENTS_EXPORTER`. Standard input is
/// `/dev/null`; standard output and error are captured (and handed to
/// ``onOutput``). A non-zero exit status, a signal or the ``timeout``
/// fails the export: the temporary directory is removed.
///
/// ```swift
/// let writer = CommandModelWriter(
///     command: "python3 export_savedmodel.py --checkpoint {checkpoint} --out {export_dir} --as-text {as_text}")
/// ```
public struct CommandModelWriter: ModelWriter {
    /// Why the command failed.
    public struct Failure: Error, CustomStringConvertible {
        /// How it ended.
        public enum Termination: Sendable, Equatable {
            /// It exited with this non-zero status.
            case exited(Int32)
            /// A signal killed it.
            case signaled(Int32)
            /// It ran longer than the timeout and was killed.
            case timedOut(seconds: Double)
            /// It could not be started.
            case notStarted(SystemError)
        }

        /// The command as run (placeholders replaced).
        public let command: String
        /// How it ended.
        public let termination: Termination
        /// The end of what it printed (up to 4 KiB).
        public let outputTail: String

        /// `command ... exited with status 3; its last output: ...`.
        public var description: String {
            var text = "command `\(command)` "
            switch termination {
            case .exited(let status): text += "exited with status \(status)"
            case .signaled(let signal): text += "was killed by signal \(signal)"
            case .timedOut(let seconds): text += "ran longer than \(seconds) s and was killed"
            case .notStarted(let error): text += "could not be started: \(error)"
            }
            let tail = outputTail.trimmingTrailingNewlines
            if !tail.isEmpty { text += "; its last output:\n" + tail }
            return text
        }
    }

    /// The command, with placeholders.
    public var command: String
    /// Kill the command after this many seconds (nil: no limit).
    public var timeout: Double?
    /// Extra environment variables.
    public var environment: [String: String]
    /// Receives what the command prints, as it prints it.
    public var onOutput: (@Sendable ([UInt8]) -> Void)?

    /// A writer running `command`.
    public init(command: String, timeout: Double? = nil, environment: [String: String] = [:],
                onOutput: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.command = command
        self.timeout = timeout
        self.environment = environment
        self.onOutput = onOutput
    }

    /// `command`.
    public var name: String { "command" }

    /// The command line for `request`: placeholders replaced by quoted words.
    public func expandedCommand(for request: ModelWriteRequest) -> String {
        var result = command
        for (placeholder, value) in Self.values(for: request) {
            result = result.replacingAll("{\(placeholder)}", with: Self.shellQuoted(value))
        }
        return result
    }

    static func values(for request: ModelWriteRequest) -> [(String, String)] {
        [("checkpoint", request.checkpoint.prefix), ("export_dir", request.directory),
         ("as_text", request.asText ? "true" : "false"), ("global_step", String(request.evalResult.globalStep)),
         ("model_dir", request.modelDirectory), ("name", request.exporterName)]
    }

    /// `text` as one POSIX shell word: single quotes, `'` as `'\''`.
    static func shellQuoted(_ text: String) -> String {
        if !text.isEmpty, text.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "=")
        }) {
            return text
        }
        return "'" + text.replacingAll("'", with: "'\\''") + "'"
    }

    /// Runs the command and waits for it.
    ///
    /// - Throws: ``Failure`` unless it exits with status 0.
    public func writeModel(_ request: ModelWriteRequest) throws {
        let line = expandedCommand(for: request)
        var extra = environment
        for (placeholder, value) in Self.values(for: request) {
            extra["TFEVENTS_" + (placeholder == "name" ? "EXPORTER" : placeholder.uppercased())] = value
        }
        let run = ChildProcess.run(arguments: ["/bin/sh", "-c", line], environment: extra, timeout: timeout,
                                   onOutput: onOutput)
        switch run.termination {
        case .exited(0): return
        default: throw Failure(command: line, termination: run.termination, outputTail: run.outputTail)
        }
    }
}

/// Spawns a process with `posix_spawn`, output captured through a pipe.
enum ChildProcess {
    struct Run {
        var termination: CommandModelWriter.Failure.Termination
        var outputTail: String
    }

    static let tailLimit = 4096

    static func run(arguments: [String], environment: [String: String], timeout: Double?,
                    onOutput: (@Sendable ([UInt8]) -> Void)?) -> Run {
        var pipeFDs: [Int32] = [-1, -1]
        // Both ends close-on-exec, set atomically: a child spawned at the
        // same time by another thread must not inherit the write end, or
        // the end of output would wait for that child. dup2 in the child
        // clears the flag on its standard output and error.
        guard makePipe(&pipeFDs) == 0 else { return Run(termination: .notStarted(.current), outputTail: "") }
        let (readFD, writeFD) = (pipeFDs[0], pipeFDs[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeFD, 1)
        posix_spawn_file_actions_adddup2(&actions, writeFD, 2)

        // The environment: ours, with the extra variables replacing any of the same name.
        var variables: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            let name = text.prefix { $0 != "=" }
            if environment[String(name)] == nil { variables.append(text) }
            index += 1
        }
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) { variables.append("\(name)=\(value)") }

        // The child starts with no signal blocked and the usual dispositions,
        // whatever this process's threads block or ignore.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let spawned: Int32 = withCStrings(arguments) { argv in
            withCStrings(variables) { envp in
                posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
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
                    kill(pid, SIGKILL)
                    timedOut = true
                    break reading
                }
                waitMilliseconds = Int32(min(1000, max(1, left * 1000)))
            }
            var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, waitMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return systemRead(readFD, base, raw.count)
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
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
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
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2") else { return nil }
        return unsafeBitCast(symbol, to: Pipe2.self)
    }()

    /// A pipe whose ends are both close-on-exec: atomically with `pipe2`,
    /// else (no `pipe2`) with `fcntl` right after `pipe`.
    private static func makePipe(_ fds: inout [Int32]) -> Int32 {
        if let pipe2 {
            return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress, O_CLOEXEC) }
        }
        guard pipe(&fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    /// Calls `body` with a NULL-terminated `char *[]` of `strings`.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(ofText: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    var trimmingTrailingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}

extension Substring {
    /// The first range of `target` (no Foundation).
    fileprivate func firstRange(ofText target: String) -> Range<Index>? {
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].utf8.starts(with: needle) {
                return index ..< self.utf8.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
