import Foundation
import Testing
import TFEventsTestSupport

/// A view that borrows a reader's buffer cannot outlive the reader: code
/// that tries does not compile. Checked by compiling small programs against
/// the package's built modules with the same compiler.
@Suite("Borrowed views cannot escape")
struct EscapingViewTests {
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

    /// Compiles `source` as a client of `import TFEvents` would; the
    /// compiler's exit status and diagnostics.
    static func typecheck(_ source: String, lifetimes: Bool = false) throws -> (status: Int32, output: String) {
        let root = URL(fileURLWithPath: FixtureLibrary.root).deletingLastPathComponent()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-escape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("client.swift")
        try source.write(to: file, atomically: true, encoding: .utf8)
        // -emit-sil runs the diagnostic passes (exclusivity, lifetimes) that
        // -typecheck stops before.
        var arguments = ["swiftc", "-emit-sil", "-o", "/dev/null", "-I", buildDirectory.appendingPathComponent("Modules").path]
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
        let output = directory.appendingPathComponent("output")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test("using an event while the reader lives compiles")
    func borrowedUseCompiles() throws {
        let result = try Self.typecheck("""
            import TFEvents
            func losses(_ path: String) throws -> [Double] {
                var reader = try EventFileReader(path: path)
                var found: [Double] = []
                while let event = try reader.next() {
                    var values = event.summaryValues()
                    while let value = try values.next() {
                        if value.tagEquals("loss"), let scalar = try value.scalar() { found.append(scalar.value) }
                    }
                }
                return found
            }
            """)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("returning an event past its reader does not compile")
    func returningAnEvent() throws {
        let result = try Self.typecheck("""
            import TFEvents
            func firstEvent(_ path: String) throws -> EventView? {
                var reader = try EventFileReader(path: path)
                return try reader.next()
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("~Escapable"), "\(result.output)")
    }

    @Test("keeping a value view past the reader's next call does not compile")
    func keepingAcrossNext() throws {
        let result = try Self.typecheck("""
            import TFEvents
            func tags(_ path: String) throws -> Int {
                var reader = try EventFileReader(path: path)
                guard let first = try reader.next() else { return 0 }
                _ = try reader.next()            // reads on while `first` is still used below
                return first.payloadLength
            }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("exclusive access") || result.output.contains("escapes"), "\(result.output)")
    }

    @Test("storing a record view does not compile")
    func storingARecord() throws {
        let result = try Self.typecheck("""
            import TFEvents
            struct Keeper { var record: RecordView? }
            """)
        #expect(result.status != 0)
        #expect(result.output.contains("~Escapable"), "\(result.output)")
    }

    @Test("even with lifetime annotations, an event cannot outlive a local reader")
    func lifetimeAnnotations() throws {
        let result = try Self.typecheck("""
            import TFEvents
            @_lifetime(borrow path)
            func firstEvent(_ path: borrowing String) throws -> EventView? {
                var reader = try EventFileReader(path: copy path)
                return try reader.next()
            }
            """, lifetimes: true)
        #expect(result.status != 0)
        #expect(result.output.contains("lifetime-dependent") || result.output.contains("escapes"), "\(result.output)")
    }
}
