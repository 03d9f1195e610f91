import TFRecord
import TFEventsCore

/// The HParams plugin's data found in one run (FORMAT §3.3: summary values
/// whose metadata names the plugin `hparams`).
public struct RunHParams: Sendable, Hashable {
    /// The run: a directory relative to the log directory, `.` for the root.
    public var run: String
    /// The experiment written in this run, if any.
    public var experiment: HParamsExperiment?
    /// The session started in this run, if any: the run is then a session
    /// named after it.
    public var start: SessionStartInfo?
    /// How the session ended, if that was written.
    public var end: SessionEndInfo?

    /// A run with no hparams data yet.
    public init(run: String) { self.run = run }
}

/// HParams data that could not be read: the file, the offset of its
/// record, and why. The rest of the log directory is still read.
public struct HParamsProblem: Error, Sendable, CustomStringConvertible {
    /// The event file.
    public let path: String
    /// Offset of the record concerned.
    public let offset: Int
    /// What went wrong.
    public let message: String

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

extension LogdirIndex {
    /// The HParams plugin's data of the selected runs, in run order.
    ///
    /// The index records where each tag first appears; only those records
    /// are read back from the event files (for each run, the first
    /// experiment, session start and session end in file order, as
    /// TensorBoard keeps a tag's first metadata).
    ///
    /// - Returns: the runs holding hparams data, and the records that could
    ///   not be read or decoded.
    public func hparams() -> (runs: [RunHParams], problems: [HParamsProblem]) {
        var byRun: [String: RunHParams] = [:]
        var problems: [HParamsProblem] = []
        for file in files {
            let offsets = Set(file.tags.filter { $0.pluginName == HParamsPluginData.pluginName }.map(\.firstOffset))
            guard !offsets.isEmpty else { continue }
            let path = logdir.hasSuffix("/") ? logdir + file.relativePath : logdir + "/" + file.relativePath
            var found = byRun[file.run] ?? RunHParams(run: file.run)
            for offset in offsets.sorted() {
                do {
                    try Self.readHParams(path: path, offset: offset, into: &found)
                } catch {
                    problems.append(error)
                }
            }
            byRun[file.run] = found
        }
        return (byRun.keys.sorted().compactMap { byRun[$0] }, problems)
    }

    /// Reads the event at `offset` of `path` and keeps the hparams data of
    /// its values that `found` does not have yet.
    private static func readHParams(path: String, offset: Int, into found: inout RunHParams) throws(HParamsProblem) {
        var reader: EventFileReader
        do { reader = try EventFileReader(path: path, startOffset: offset) } catch {
            throw HParamsProblem(path: path, offset: offset, message: "cannot open: \(error)")
        }
        // A compressed file is decoded from its start: skip to the record.
        while true {
            let event: EventView?
            do { event = try reader.next() } catch {
                if error.isResumable, error.offset < offset { continue }
                throw HParamsProblem(path: path, offset: error.offset, message: error.message)
            }
            guard let event else {
                throw HParamsProblem(path: path, offset: offset, message: "no record at offset \(offset) (the file changed since it was indexed)")
            }
            if event.recordOffset < offset { continue }
            guard event.recordOffset == offset else {
                throw HParamsProblem(path: path, offset: offset, message: "no record at offset \(offset) (the file changed since it was indexed)")
            }
            var values = event.summaryValues()
            do {
                while let value = try values.next() {
                    guard let data = try HParamsPluginData(metadata: value) else { continue }
                    switch data {
                    case .experiment(let experiment): if found.experiment == nil { found.experiment = experiment }
                    case .sessionStart(let start): if found.start == nil { found.start = start }
                    case .sessionEnd(let end): if found.end == nil { found.end = end }
                    }
                }
            } catch {
                throw HParamsProblem(path: path, offset: offset,
                                     message: "record at offset \(offset) holds malformed hparams data: \(error)")
            }
            return
        }
    }
}
