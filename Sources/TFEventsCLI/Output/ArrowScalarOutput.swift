import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `scalars --format arrow`: the points as an Arrow IPC stream on standard
/// output (``ArrowScalarWriter``), with the run of each file named as
/// TensorBoard names it: the file's directory relative to the directory
/// given (`.` for files directly in it, or given themselves).
enum ArrowScalarOutput {
    /// A stream to standard output.
    static func writer(includingPath: Bool) -> ArrowScalarWriter {
        let out = StandardOutput.shared
        return ArrowScalarWriter(includingPath: includingPath) { bytes in
            bytes.withUnsafeBytes { out.write(bytes: $0) }
        }
    }

    /// Ends the stream and flushes standard output.
    static func finish(_ writer: inout ArrowScalarWriter) {
        writer.finish()
        StandardOutput.shared.flush()
    }

    /// The run of `file`, found under the directory `root` (or given itself).
    static func run(of file: String, root: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard file.hasPrefix(prefix) else { return "." }
        let relative = file.dropFirst(prefix.count)
        guard let slash = relative.lastIndex(of: "/") else { return "." }
        return String(relative[..<slash])
    }

}
