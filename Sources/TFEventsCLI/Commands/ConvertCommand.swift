import ArgumentParser
import TFEvents

/// `tfevents convert`: re-compress an event file, verifying every record.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Copy an event file into another compression (none, gzip, zlib, zstd), verifying every record.",
        discussion: """
        The input's format is detected from its content. Every record's length and payload CRC is \
        verified; records are copied byte for byte, so the output holds exactly the input's events. \
        Without --compression, the output's compression follows its name: .gz = gzip, .zlib or .zz = \
        zlib, .zst or .zstd = zstd, anything else = none (uncompressed files are what TensorFlow writes).

        The output is written to a temporary file beside it and renamed into place only when every \
        record was copied, so a failed or interrupted conversion never leaves a partial OUTPUT. An \
        existing OUTPUT is only replaced with --force (OUTPUT may then be INPUT itself). INPUT and \
        OUTPUT may be bucket URLs (s3://BUCKET/KEY, gs://BUCKET/KEY): an OUTPUT object is written \
        to a local temporary file first and uploaded once complete.

        A damaged input record stops the conversion and nothing is written, unless --skip-corrupt: \
        then bad records are left out and the rest is written. An input that ends inside a record (a \
        file still being written) is converted up to its last complete record.

        Exit status: 0 when converted, 1 when the input has corrupt records (with --skip-corrupt the \
        output is still written), 2 for usage errors, an unreadable input or an unwritable output.

        Examples:
          tfevents convert events.out.tfevents.1700000000.host small.tfevents.zst
          tfevents convert --compression gzip --level 9 run.tfevents run.tfevents.gz
          tfevents convert --force --compression zstd eval.tfevents.gz eval.tfevents.gz
          tfevents convert gs://bucket/run/events.out.tfevents.1700000000.host \\
              s3://archive/run.tfevents.zst
          gzip -dc big.gz | tfevents convert --compression zstd - - > big.zst
        """
    )

    @Argument(help: "The file to read (plain, gzip, zlib or zstd); '-' for standard input.")
    var input: String

    @Argument(help: "The file to write; '-' for standard output.")
    var output: String

    @Option(help: "Output compression: none, gzip, zlib or zstd. Default: from OUTPUT's name.")
    var compression: Compression?

    @Option(help: "Compression level: gzip and zlib 0 to 9 (default 6); zstd 1 to \(CompressionFormat.zstd.levels?.upperBound ?? 19) (default 3), or negative for faster.")
    var level: Int?

    @Flag(name: .customLong("skip-corrupt"), help: "Leave out corrupt records instead of refusing to convert.")
    var skipCorrupt = false

    @Flag(help: "Replace OUTPUT if it exists.")
    var force = false

    @Flag(help: "Do not print the summary line on standard error.")
    var quiet = false

    @Option(name: .customLong("max-record-size"), help: "Largest record payload accepted, in bytes.")
    var maxRecordSize: Int = 1 << 30

    enum Compression: String, ExpressibleByArgument, CaseIterable {
        case none, gzip, zlib, zstd

        var format: CompressionFormat {
            switch self {
            case .none: return .none
            case .gzip: return .gzip
            case .zlib: return .zlib
            case .zstd: return .zstd
            }
        }
    }

    /// The output format: the option, else OUTPUT's extension.
    var outputFormat: CompressionFormat {
        if let compression { return compression.format }
        let name = output.split(separator: "/").last.map(String.init) ?? output
        if name.hasSuffix(".gz") { return .gzip }
        if name.hasSuffix(".zlib") || name.hasSuffix(".zz") { return .zlib }
        if name.hasSuffix(".zst") || name.hasSuffix(".zstd") { return .zstd }
        return .none
    }

    func validate() throws {
        try validateMaxRecordSize(maxRecordSize)
        if let level {
            let format = outputFormat
            guard let levels = format.levels else {
                throw ValidationError("--level applies to gzip, zlib and zstd output, not to uncompressed output")
            }
            guard levels.contains(level) else {
                throw ValidationError("--level \(level) is not a \(format) level (\(levels.lowerBound) to \(levels.upperBound))")
            }
        }
    }

    func run() throws {
        var options = skipCorrupt ? RecordReaderOptions() : .stopAtFirstError
        options.maxRecordLength = maxRecordSize
        var reader: RecordReader
        do {
            reader = try RecordReader(path: input, options: options)
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        let format = outputFormat
        let target: OutputTarget
        do {
            target = try OutputTarget(path: output, force: force)
        } catch {
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        let writer: RecordFileWriter
        do {
            writer = try target.makeWriter(compression: format, level: level)
        } catch {
            target.discard()
            StandardError.report(error.description)
            throw ExitCode(ExitStatus.usage)
        }

        let progress = ProgressLine(totalBytes: input == "-" ? 0 : ((try? FileIdentity(path: input).size) ?? 0))
        var records = 0
        var corrupt = 0
        while true {
            do {
                do {
                    // The record borrows the reader until it is written.
                    guard let record = try reader.next() else { break }
                    try writer.write(record.payload)
                }
                records += 1
                if records & 0xFFFF == 0 { progress.update(doneBytes: reader.inputOffset) }
            } catch let error as ReadRecordError {
                corrupt += 1
                StandardError.report(error.description)
                if error.isResumable && skipCorrupt { continue }
                if skipCorrupt { break }
                progress.finish()
                target.discard()
                StandardError.report("\(input): not converted (use --skip-corrupt to convert the records that verify)")
                throw ExitCode(ExitStatus.corruption)
            } catch {
                progress.finish()
                target.discard()
                StandardError.report("\(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }
        progress.finish()
        if case .truncated(let validEnd, _) = reader.endState {
            StandardError.report("\(input): ends early, inside a record or a compressed stream, after offset \(validEnd)"
                + " (a file still being written?); converted the \(records) complete records before it")
        }
        do {
            try writer.close()
            try target.commit()
        } catch {
            target.discard()
            StandardError.report("\(error)")
            throw ExitCode(ExitStatus.usage)
        }
        if !quiet {
            var line = "\(input) (\(reader.compression)) -> \(output) (\(format)"
            if format != .none { line += " level \(writer.level == -1 && format != .zstd ? 6 : writer.level)" }
            line += "): \(records) records, \(writer.offset) bytes uncompressed"
            if format != .none { line += ", \(writer.compressedBytesWritten) written" }
            if corrupt > 0 { line += ", \(corrupt) corrupt records left out" }
            StandardError.write(line + "\n")
        }
        if corrupt > 0 { throw ExitCode(ExitStatus.corruption) }
    }
}
