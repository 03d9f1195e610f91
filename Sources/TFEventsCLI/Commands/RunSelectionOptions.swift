import ArgumentParser
import TFEvents

/// `--run GLOB` and `--run-regex RE`: which runs of a log directory a
/// command reads (see ``RunSelection``).
struct RunSelectionOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: ArgumentHelp(
        "Only runs matching this glob (*, ?, [...]; * crosses /), as paths relative to the log directory; a run is also taken when one of its parent directories matches (--run trial-3 takes trial-3/validation). Repeatable.",
        valueName: "glob"))
    var globs: [String] = []

    @Option(name: .customLong("run-regex"), help: ArgumentHelp(
        "Only runs whose path relative to the log directory contains a match of this regular expression (anchor with ^...$).",
        valueName: "regex"))
    var regex: String?

    /// The selection (every run without options).
    var selection: RunSelection {
        (try? RunSelection(globs: globs, regex: regex)) ?? .all
    }

    /// Whether any run option was given.
    var isRestricted: Bool { !globs.isEmpty || regex != nil }

    func validate() throws {
        do { _ = try RunSelection(globs: globs, regex: regex) } catch {
            throw ValidationError("--run-regex: \(error)")
        }
    }

    /// The event files under `paths` in selected runs: under a directory
    /// given, a file's run is its directory relative to it; files named
    /// directly are always read. Unreadable paths and skipped special files
    /// are reported on stderr.
    func expand(_ paths: [String]) -> (files: [String], failed: Bool) {
        guard isRestricted else { return expandPaths(paths) }
        let selection = self.selection
        var files: [String] = []
        var failed = false
        for path in paths {
            let (found, pathFailed) = expandPaths([path])
            failed = failed || pathFailed
            guard FileOperations.isDirectory(path) else {
                files += found
                continue
            }
            let prefix = path.hasSuffix("/") ? path : path + "/"
            files += found.filter { file in
                file.hasPrefix(prefix) && selection.contains(file: String(file.dropFirst(prefix.count)))
            }
        }
        return (files, failed)
    }
}
