import Foundation
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Runs the built `tfevents` executable and captures what it prints.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Killed by the runner's timeout.
    var timedOut = false
    /// Ended by a signal (`status` is then the signal number).
    var terminatedBySignal = false
}

enum CLIRunner {
    /// The package root, found from this file.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: ".")
    }()

    /// The `tfevents` binary next to the test bundle (same build directory).
    static let executable: URL = {
        var candidates: [URL] = []
        if let bundleDir = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") })?.bundleURL.deletingLastPathComponent() {
            candidates.append(bundleDir.appendingPathComponent("tfevents"))
        }
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = argv0.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("tfevents"))
            dir.deleteLastPathComponent()
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/tfevents"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    static func fixture(_ relative: String) -> String {
        packageRoot.appendingPathComponent("Fixtures/" + relative).path
    }

    /// Runs `tfevents arguments...` with an optional stdin payload.
    ///
    /// - Parameter timeout: kill it (SIGKILL) after this many seconds; the
    ///   result then has ``CLIResult/timedOut`` set.
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:],
                    currentDirectory: URL? = nil, timeout: Double? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        // Never the test process's working directory: the README example
        // test moves it to a scratch directory and deletes that.
        process.currentDirectoryURL = currentDirectory ?? packageRoot
        // Output goes to temporary files: no pipe can fill up and block the child.
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("tfevents-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        let killed = TimeoutFlag()
        if let timeout {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                guard process.isRunning else { return }
                killed.set()
                kill(pid, SIGKILL)
            }
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self),
                         timedOut: killed.isSet,
                         terminatedBySignal: process.terminationReason == .uncaughtSignal)
    }
}

/// Set once from a timer thread, read after the process ended.
final class TimeoutFlag: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

extension CLIRunner {
    /// Runs `tfevents arguments...`; its exit status and its own peak
    /// resident memory in KiB, as it reports it (`VmHWM`, see
    /// `TFEVENTS_REPORT_PEAK_MEMORY`: a parent's rusage would include the
    /// test process's own peak, inherited across the fork).
    static func peakMemory(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, peakKiB: Int) {
        var env = environment
        env["TFEVENTS_REPORT_PEAK_MEMORY"] = "1"
        let result = try run(arguments, environment: env)
        let line = result.stderr.split(separator: "\n").last { $0.contains("peak resident memory: ") }
        let number = line.flatMap { Int($0.split(separator: " ").dropLast().last ?? "") }
        guard let number else { throw NSError(domain: "no peak memory reported: \(result.stderr.suffix(300))", code: 1) }
        return (result.status, number)
    }
}
