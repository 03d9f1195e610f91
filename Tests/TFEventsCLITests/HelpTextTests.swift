import Foundation
import Testing

/// `--help` is read in terminals of 80 columns and in logs, where Argument
/// Parser rewraps each line of a discussion at 80 columns: an indented line
/// (an example, a table row) longer than that breaks in two, and a long line
/// of a paragraph written with a hard line break leaves a one-word line.
@Suite("Help text")
struct HelpTextTests {
    static let commands = ["", "scan", "scalars", "best", "export", "exports", "watch", "index", "tags", "runs", "convert",
                           "generate", "report"]

    @Test("every command's help: indented lines fit 80 columns, no paragraph has a hard break inside a long line",
          arguments: commands)
    func fitsEightyColumns(command: String) throws {
        // Wide, so that the lines are the source's own.
        let result = try CLIRunner.run((command.isEmpty ? [] : [command]) + ["--help"], environment: ["COLUMNS": "10000"],
                                       timeout: 30)
        #expect(result.status == 0)
        let text = result.stdout.components(separatedBy: "\nUSAGE:")[0]
        let lines = text.components(separatedBy: "\n")
        #expect(lines.count > 3, "\(command): \(text)")
        for (index, line) in lines.enumerated() where line.count > 80 {
            #expect(!line.hasPrefix(" "), "\(command): indented line of \(line.count) columns: \(line)")
            if index + 1 < lines.count {
                let next = lines[index + 1]
                #expect(next.isEmpty || next.hasPrefix(" "), "\(command): a hard break after a long line: \(line) / \(next)")
            }
        }
    }
}

@Suite("Version")
struct VersionTests {
    @Test("tfevents --version prints the release the Python package carries, exit status 0")
    func version() throws {
        let result = try CLIRunner.run(["--version"], timeout: 30)
        #expect(result.status == 0)
        let pyproject = try String(contentsOf: CLIRunner.packageRoot.appendingPathComponent("python/pyproject.toml"),
                                   encoding: .utf8)
        let line = pyproject.components(separatedBy: "\n").first { $0.hasPrefix("version = ") } ?? ""
        let expected = line.replacingOccurrences(of: "version = ", with: "").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        #expect(!expected.isEmpty)
        #expect(result.stdout == expected + "\n")
    }
}
