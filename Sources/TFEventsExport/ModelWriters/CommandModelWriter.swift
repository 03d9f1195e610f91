import TFRecord
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// A ``ModelWriter`` that runs a command: a Python script calling
/// TensorFlow to write a real SavedModel, a converter to ONNX, a copy to
/// object storage...
///
/// The command is run with `/bin/sh -c`. Placeholders stand for values
/// that are never parsed as shell code: each is replaced by a reference to
/// an environment variable holding the value (`"${TFEVENTS_MODEL_DIR}"`
/// outside quotes, `${TFEVENTS_MODEL_DIR}` inside double quotes), so a
/// model directory named `$(rm -rf ~)` stays a name. A placeholder inside
/// single quotes could not expand and is refused
/// (``TemplateError``). The placeholders:
///
/// | placeholder     | value                                                   |
/// |-----------------|---------------------------------------------------------|
/// | `{checkpoint}`  | the checkpoint prefix (`model_dir/model.ckpt-225`)      |
/// | `{export_dir}`  | the temporary directory to write into (exists, empty;   |
/// |                 | a local one, uploaded after, when exporting to a bucket)|
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
        public typealias Termination = ProcessTermination

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

    /// The command exited 0 but did not write a model.
    public struct NothingWritten: Error, CustomStringConvertible {
        /// The command as run (placeholders replaced).
        public let command: String
        /// What is missing.
        public let problem: String
        /// The end of what it printed (up to 4 KiB).
        public let outputTail: String

        /// `command ... exited 0 but wrote nothing into {export_dir}`.
        public var description: String {
            let tail = outputTail.trimmingTrailingNewlines
            return "command `\(command)` exited 0 but \(problem)" + (tail.isEmpty ? "" : "; its last output:\n" + tail)
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

    /// A command template that cannot be run safely.
    public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The template.
        public let template: String
        /// The placeholder at fault, with its braces.
        public let placeholder: String
        /// `{model_dir} is inside single quotes in ...`.
        public var description: String {
            "\(placeholder) is inside single quotes in the command `\(template)`, where it cannot expand; "
                + "remove the quotes around it (placeholders are quoted for you, and their values are never run as code)"
        }
    }

    /// The placeholders, in the order of the table above.
    public static let placeholders = ["checkpoint", "export_dir", "as_text", "global_step", "model_dir", "name"]

    /// The environment variable holding a placeholder's value.
    static func variable(for placeholder: String) -> String {
        "TFEVENTS_" + (placeholder == "name" ? "EXPORTER" : placeholder.uppercased())
    }

    /// The script `/bin/sh` runs for `template`: each placeholder replaced by
    /// a reference to its variable, quoted for where it stands.
    ///
    /// - Throws: ``TemplateError`` for a placeholder inside single quotes.
    public static func script(for template: String) throws(TemplateError) -> String {
        enum Quoting { case none, single, double }
        let bytes = Array(template.utf8)
        var out: [UInt8] = []
        var quoting = Quoting.none
        var i = 0
        scan: while i < bytes.count {
            let byte = bytes[i]
            switch (quoting, byte) {
            case (.none, UInt8(ascii: "\\")), (.double, UInt8(ascii: "\\")):
                // An escaped character is literal: copy it with its backslash.
                out.append(byte)
                if i + 1 < bytes.count { out.append(bytes[i + 1]) }
                i += 2
                continue scan
            case (.none, UInt8(ascii: "'")): quoting = .single
            case (.single, UInt8(ascii: "'")): quoting = .none
            case (.none, UInt8(ascii: "\"")): quoting = .double
            case (.double, UInt8(ascii: "\"")): quoting = .none
            case (_, UInt8(ascii: "{")):
                for name in placeholders {
                    let token = Array("{\(name)}".utf8)
                    guard bytes[i...].starts(with: token) else { continue }
                    switch quoting {
                    case .single: throw TemplateError(template: template, placeholder: "{\(name)}")
                    case .double: out += Array("${\(variable(for: name))}".utf8)
                    case .none: out += Array("\"${\(variable(for: name))}\"".utf8)
                    }
                    i += token.count
                    continue scan
                }
            default: break
            }
            out.append(byte)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The command line for `request` as a person would type it:
    /// placeholders replaced by shell-quoted values (for messages; what
    /// runs is ``script(for:)`` with the values in the environment).
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
    /// - Throws: ``TemplateError`` (before running anything) or ``Failure``
    ///   unless it exits with status 0.
    public func writeModel(_ request: ModelWriteRequest) throws {
        guard ObjectStores.isRemote(request.directory) else { return try runInEmptyDirectory(request) }
        // An export in a bucket: the command writes into a local directory,
        // which is then uploaded under the export's prefix.
        let staging = try FileOperations.temporaryDirectory()
        defer { try? FileOperations.removeTree(staging) }
        var local = request
        local.directory = staging
        try run(local)
        do { try FileOperations.copyTree(staging, to: request.directory) } catch {
            throw ExportError.fileSystem(operation: "upload \(staging) to \(request.directory)", path: request.directory, error: error)
        }
    }

    /// The name of the directory, inside the export being written, that
    /// the command writes into.
    static let outputDirectoryName = ".tfevents-command-output"

    /// Runs the command on an empty `{export_dir}` (writers such as
    /// TensorFlow's `SavedModelBuilder` refuse a directory holding anything,
    /// and the export being written holds its pending marker), then moves
    /// what it wrote up into the export. The directory is inside the
    /// export, so a crash leaves nothing the next lock holder would not remove.
    private func runInEmptyDirectory(_ request: ModelWriteRequest) throws {
        let output = FilePaths.join(request.directory, Self.outputDirectoryName)
        do { try FileOperations.makeDirectory(output) } catch {
            throw ExportError.fileSystem(operation: "mkdir", path: output, error: error)
        }
        var inner = request
        inner.directory = output
        try run(inner)
        let names: [String]
        do { names = try Directories.list(output) } catch {
            throw ExportError.fileSystem(operation: "list", path: output, error: error)
        }
        for name in names {
            let from = FilePaths.join(output, name), to = FilePaths.join(request.directory, name)
            do { try FileOperations.renameNoReplace(from, to: to) } catch {
                throw ExportError.fileSystem(operation: "rename \(from) to \(to)", path: to, error: error)
            }
        }
        do { try FileOperations.removeTree(output) } catch {
            throw ExportError.fileSystem(operation: "remove", path: output, error: error)
        }
    }

    private func run(_ request: ModelWriteRequest) throws {
        let script = try Self.script(for: command)
        let line = expandedCommand(for: request)
        var extra = environment
        for (placeholder, value) in Self.values(for: request) { extra[Self.variable(for: placeholder)] = value }
        let run = ChildProcess.run(arguments: ["/bin/sh", "-c", script], environment: extra, timeout: timeout,
                                   onOutput: onOutput)
        switch run.termination {
        case .exited(0): break
        default: throw Failure(command: line, termination: run.termination, outputTail: run.outputTail)
        }
        try Self.checkWritten(request.directory, command: line, outputTail: run.outputTail)
    }

    /// A command that exits 0 but leaves `{export_dir}` empty, or leaves
    /// what looks like a SavedModel (`variables/`) without its graph, did
    /// not export anything: the export fails rather than becoming a
    /// numbered directory holding only a manifest.
    static func checkWritten(_ directory: String, command: String, outputTail: String) throws(NothingWritten) {
        let names = ((try? Directories.list(directory)) ?? []).filter { $0 != ExportDirectory.pendingMarker }
        if names.isEmpty {
            throw NothingWritten(command: command, problem: "wrote nothing into {export_dir}", outputTail: outputTail)
        }
        let savedModel = ["saved_model.pb", "saved_model.pbtxt"]
        if names.contains("variables") && !names.contains(where: savedModel.contains) {
            throw NothingWritten(command: command, problem: "wrote variables/ but no saved_model.pb: not a SavedModel",
                                 outputTail: outputTail)
        }
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
