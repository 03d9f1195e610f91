import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered standard output: millions of lines go out in 256 KiB writes.
final class StandardOutput {
    nonisolated(unsafe) static let shared = StandardOutput(fd: 1)

    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity = 256 * 1024

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(capacity)
    }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= capacity { flush() }
    }

    func write(bytes: UnsafeRawBufferPointer) {
        // A large block (an Arrow column) goes out as it is, after what is
        // buffered: copying it into the buffer first cost a pass over
        // every byte of the output.
        if bytes.count >= capacity / 4 {
            flush()
            writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    /// Whether standard output is a pipe: its reader (gzip, a script)
    /// then needs a core of its own.
    var isPipe: Bool {
        var status = stat()
        return fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO
    }

    func flush() {
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes all of `raw`, or stops when the reader went away (EPIPE).
    private func writeAll(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, base + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return  // EPIPE and friends: the reader went away
            }
            offset += n
        }
    }
}

/// Unbuffered standard error, for diagnostics and progress.
enum StandardError {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            var offset = 0
            while offset < utf8.count {
                let n = Glibc.write(2, base + offset, utf8.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// `tfevents: message` on its own line; control characters (from file
    /// names, file contents) and raw name bytes shown as `\xNN`, so nothing
    /// read from disk can drive the terminal.
    static func report(_ message: String) {
        write("tfevents: \(OutputText.terminal(message))\n")
    }

    static var isTerminal: Bool { isatty(2) != 0 }
}
