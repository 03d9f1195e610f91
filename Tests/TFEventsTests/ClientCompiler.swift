import Foundation
import TFEventsTestSupport

/// Compiles small client programs against the package's built modules
/// with the same compiler, as a user of `import TFEvents` would: for
/// checks that are compile errors (escaping views, non-exhaustive switches).
enum ClientCompiler {
    /// The build directory holding the test bundle (and `Modules/`).
    static let buildDirectory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0 ..< 4 {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Modules/TFEvents.swiftmodule").path) {
                return url
            }
        }
        let root = URL(fileURLWithPath: FixtureLibrary.root).deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").resolvingSymlinksInPath()
    }()

    /// Compiles `source` as a client of `import TFEvents` would, in
    /// `languageMode`; the compiler's exit status and diagnostics.
    static func typecheck(_ source: String, lifetimes: Bool = false, languageMode: String = "6") throws -> (status: Int32, output: String) {
        let root = URL(fileURLWithPath: FixtureLibrary.root).deletingLastPathComponent()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-escape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("client.swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        // -emit-sil runs the diagnostic passes (exclusivity, lifetimes) that
        // -typecheck stops before.
        var arguments = ["swiftc", "-swift-version", languageMode, "-emit-sil", "-o", "/dev/null", "-I", buildDirectory.appendingPathComponent("Modules").path]
        for map in [buildDirectory.appendingPathComponent("CTFEventsCRC.build/module.modulemap").path,
                    buildDirectory.appendingPathComponent("CTFEventsMappingGuard.build/module.modulemap").path,
                    root.appendingPathComponent("Sources/CZlib/module.modulemap").path,
                    root.appendingPathComponent("Sources/CZstd/module.modulemap").path] {
            arguments += ["-Xcc", "-fmodule-map-file=" + map]
        }
        if lifetimes { arguments += ["-enable-experimental-feature", "Lifetimes"] }
        arguments.append(file.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        // Its own directory, not the test process's: another test (the
        // README example) changes the process's working directory to a
        // scratch directory it then deletes, and swiftc crashes when it
        // starts in a directory that is gone.
        process.currentDirectoryURL = directory
        let output = directory.appendingPathComponent("output")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
