import Testing

/// Error enums that may grow are `@nonexhaustive`: a client's `switch`
/// over every case known today still needs `@unknown default`, so adding a
/// case in a minor release breaks nobody's build silently.
@Suite("Error enums are non-exhaustive for clients")
struct NonexhaustiveErrorTests {
    /// (type, its cases today as patterns).
    static let enums: [(String, [String])] = [
        ("ReadRecordError.Kind", [".corruptLength", ".corruptPayload", ".tooLarge", ".io", ".truncatedWhileReading",
                                  ".corruptCompressedData"]),
        ("ReadEventError", [".record", ".invalidEvent"]),
        ("IndexError.Kind", [".damaged", ".versionMismatch", ".segmentTooLarge", ".otherLogdir", ".io"]),
    ]

    static func client(_ type: String, _ cases: [String], unknownDefault: Bool) -> String {
        var source = "import TFEvents\nfunc handle(_ value: \(type)) -> Int {\n    switch value {\n"
        for (number, pattern) in cases.enumerated() { source += "    case \(pattern): return \(number)\n" }
        if unknownDefault { source += "    @unknown default: return -1\n" }
        return source + "    }\n}\n"
    }

    @Test("every case known today, without @unknown default: an error in Swift 6",
          arguments: enums.map(\.0))
    func withoutUnknownDefault(type: String) throws {
        let cases = try #require(Self.enums.first { $0.0 == type }?.1)
        let result = try ClientCompiler.typecheck(Self.client(type, cases, unknownDefault: false))
        #expect(result.status != 0)
        #expect(result.output.contains("may have additional unknown values"), "\(result.output)")
    }

    @Test("with @unknown default it compiles (so the case lists above are complete)", arguments: enums.map(\.0))
    func withUnknownDefault(type: String) throws {
        let cases = try #require(Self.enums.first { $0.0 == type }?.1)
        let result = try ClientCompiler.typecheck(Self.client(type, cases, unknownDefault: true))
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("warning"), "\(result.output)")
    }
}
