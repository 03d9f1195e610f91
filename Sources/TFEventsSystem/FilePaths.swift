/// Path strings: joining and splitting without Foundation.
package enum FilePaths {
    /// `directory/name`, or `name` alone when it is absolute or `directory` is empty.
    package static func join(_ directory: String, _ name: String) -> String {
        if name.hasPrefix("/") || directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The last component (`a/b/c` → `c`; trailing slashes ignored).
    package static func basename(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if let slash = trimmed.lastIndex(of: "/"), trimmed != "/" { return String(trimmed[trimmed.index(after: slash)...]) }
        return String(trimmed)
    }

    /// Everything before the last component (`a/b/c` → `a/b`, `c` → `.`).
    package static func dirname(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// Whether `a` sorts before `b` in the byte order of their UTF-8: the
    /// one order of paths everywhere (files are read, indexed and compared
    /// in it, so that a tie between evaluations always goes to the same one).
    package static func bytewiseLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
