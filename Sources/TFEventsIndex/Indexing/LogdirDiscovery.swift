import TFEventsCore
import TFEventsSystem

/// Runs and event files of a log directory (FORMAT §5.1): an event file is a
/// file whose name contains `tfevents`; its run is its directory relative
/// to the log directory, `.` for the root.
public enum LogdirDiscovery {
    /// Event files under `logdir` as relative paths in the byte order of
    /// their UTF-8 (``FilePaths/bytewiseLess(_:_:)``), the paths that could
    /// not be read and the special files skipped; with a `limit`, only the
    /// first files found up to it (``EventFileDiscovery/expand(_:limit:)``;
    /// its `accepts` is given relative paths here).
    public static func eventFiles(in logdir: String, limit: EventFileDiscovery.Limit? = nil) -> EventFileDiscovery.Found {
        let prefix = logdir.hasSuffix("/") ? logdir : logdir + "/"
        var relativeLimit = limit
        if let limit {
            relativeLimit?.accepts = { path in path.hasPrefix(prefix) && limit.accepts(String(path.dropFirst(prefix.count))) }
        }
        var found = EventFileDiscovery.expand([logdir], limit: relativeLimit)
        found.files = found.files.compactMap { path -> String? in
            path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
        }.sorted(by: FilePaths.bytewiseLess)
        return found
    }

    /// The run of a relative file path: its directory, or "." at the root.
    public static func run(of relativePath: String) -> String {
        guard let slash = relativePath.lastIndex(of: "/") else { return "." }
        return String(relativePath[..<slash])
    }
}
