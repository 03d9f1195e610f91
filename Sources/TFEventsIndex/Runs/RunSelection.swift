import TFEventsSystem

/// Which runs of a log directory to read: runs are directories relative to
/// the log directory (`.` for the root), as ``LogdirDiscovery/run(of:)``
/// names them.
///
/// A run is selected when it matches one of the globs or the regular
/// expression (either; with neither, every run is). A glob (`*`, `?`,
/// `[...]`, where `*` also crosses `/`) matches a run when it matches the
/// run's whole path or the path of one of its parent directories, so
/// `run-0` takes `run-0/train` and `run-0/validation` too. The regular
/// expression is searched for anywhere in the run's path (anchor it with
/// `^...$` for whole paths).
///
/// ```swift
/// let selection = try RunSelection(globs: ["lr0.1*"], regex: #"^trial-[0-3]/"#)
/// selection.contains(run: "lr0.1_bs16/1700000000.5")   // true
/// ```
public struct RunSelection: Sendable {
    /// The globs.
    public let globs: [String]
    /// The regular expression's text, if any.
    public let regexPattern: String?
    private let regex: RunRegex?

    /// Every run.
    public static let all = RunSelection()

    private init() {
        globs = []
        regexPattern = nil
        regex = nil
    }

    /// Runs matching one of `globs` or `regex`.
    ///
    /// - Throws: ``InvalidPattern`` when `regex` does not compile.
    public init(globs: [String], regex: String? = nil) throws(InvalidPattern) {
        self.globs = globs
        regexPattern = regex
        if let regex {
            do { self.regex = RunRegex(try Regex(regex)) } catch {
                throw InvalidPattern(pattern: regex, reason: "\(error)")
            }
        } else {
            self.regex = nil
        }
    }

    /// Whether every run is selected.
    public var selectsAll: Bool { globs.isEmpty && regex == nil }

    /// Whether `run` is selected.
    public func contains(run: String) -> Bool {
        if selectsAll { return true }
        if let regex, regex.matches(run) { return true }
        guard !globs.isEmpty else { return false }
        var path = Substring(run)
        while true {
            let candidate = String(path)
            if globs.contains(where: { FileOperations.textMatches($0, candidate) }) { return true }
            guard let slash = path.lastIndex(of: "/") else { return false }
            path = path[..<slash]
        }
    }

    /// Whether the event file at `relativePath` (relative to the log
    /// directory) is in a selected run.
    public func contains(file relativePath: String) -> Bool {
        selectsAll || contains(run: LogdirDiscovery.run(of: relativePath))
    }

    /// A regular expression that does not compile.
    public struct InvalidPattern: Error, Sendable, CustomStringConvertible {
        /// The expression.
        public let pattern: String
        /// What the compiler said.
        public let reason: String
        /// `invalid regular expression 'PATTERN': REASON`.
        public var description: String { "invalid regular expression '\(pattern)': \(reason)" }
    }
}

/// A compiled expression, matched by search. Swift's `Regex` is not
/// `Sendable`; it is immutable once compiled and only read here.
@safe private final class RunRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
    func matches(_ run: String) -> Bool { (try? regex.firstMatch(in: run)) != nil }
}
