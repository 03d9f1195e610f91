import ArgumentParser
import TFEvents

/// Options shared by the commands that read event files.
struct ReadingOptions: ParsableArguments {
    @Flag(name: .customLong("no-checksum"),
          help: "Skip payload CRCs (length CRCs are always verified), as rustboard does by default.")
    var noChecksum = false

    @Flag(name: .customLong("stop-on-error"),
          help: "Stop reading a file at its first bad record, as TensorFlow does. By default a bad payload is skipped and a bad length is resynchronised past.")
    var stopOnError = false

    @Option(name: .customLong("max-record-size"),
            help: "Largest record payload accepted, in bytes (1 to 2^48; default 1 GiB). A longer record is reported as too large and skipped, before anything of its size is allocated.")
    var maxRecordSize: Int = 1 << 30

    var recordOptions: RecordReaderOptions {
        var options = RecordReaderOptions()
        options.verifyPayloadChecksums = !noChecksum
        options.maxRecordLength = maxRecordSize
        if stopOnError {
            options.onPayloadMismatch = .stop
            options.onLengthMismatch = .stop
        }
        return options
    }

    func validate() throws {
        try validateMaxRecordSize(maxRecordSize)
    }
}

/// Checks a `--max-record-size` value: 1 byte to 2^48 (256 TiB).
func validateMaxRecordSize(_ value: Int) throws {
    guard value > 0, value <= RecordReaderOptions.largestMaxRecordLength else {
        throw ValidationError("--max-record-size must be from 1 to \(RecordReaderOptions.largestMaxRecordLength) bytes (2^48); got \(value)")
    }
}

/// Expands paths to event files, reporting unreadable ones and skipped
/// special files on stderr.
/// - Returns: the files and whether any path failed (a skipped special file
///   is not a failure).
func expandPaths(_ paths: [String]) -> (files: [String], failed: Bool) {
    let found = EventFileDiscovery.expand(paths)
    for failure in found.failures { StandardError.report(failure.description) }
    for skipped in found.skipped { StandardError.report(skipped.description) }
    return (found.files, !found.failures.isEmpty)
}

/// Total size of regular files, for progress.
func totalSize(of files: [String]) -> Int {
    files.reduce(0) { $0 + ((try? FileIdentity(path: $1).size) ?? 0) }
}
