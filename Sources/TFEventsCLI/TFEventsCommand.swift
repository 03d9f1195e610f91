import ArgumentParser
import TFEvents
import TFEventsRemote
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `tfevents` command: a root with one subcommand per task.
struct TFEventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tfevents",
        abstract: "Read TensorFlow event files fast, verify every byte, and find the best evaluation.",
        discussion: """
        Event files are found by name: any file whose name contains "tfevents". Directories are \
        searched recursively. Plain, gzip, zlib and zstd files are read alike.

        Paths may be bucket URLs, gs://BUCKET/PREFIX and s3://BUCKET/PREFIX, for every command, \
        reading and writing. Credentials come from where gcloud and the AWS CLI look: GOOGLE_APPLICATION_CREDENTIALS, \
        gcloud's application-default file or the metadata server; AWS_ACCESS_KEY_ID and \
        AWS_SECRET_ACCESS_KEY, ~/.aws/credentials (AWS_PROFILE), web identity or the instance role. \
        AWS_ENDPOINT_URL reaches S3-compatible stores (MinIO, Ceph, R2, SeaweedFS), \
        STORAGE_EMULATOR_HOST a GCS emulator; with none, requests are anonymous. In a bucket an \
        export is committed by its manifest, written last (there is no rename), the export lock is an \
        object created only if absent and held as a lease renewed every 40 s (TFEVENTS_EXPORT_LEASE=120 \
        seconds), and checkpoints are copied on the server.

        Exit status: 0 when everything read cleanly (a truncated tail, i.e. a file still being \
        written, is clean), 1 when corruption was found, 2 for usage errors or unreadable paths, \
        3 when `best`/`export` found no evaluation, 4 when an export failed or another process \
        holds the export lock, 5 when `watch --patience` stopped for lack of improvement.
        """,
        version: version,
        subcommands: [ScanCommand.self, ScalarsCommand.self, BestCommand.self, ExportCommand.self, ExportsCommand.self, WatchCommand.self,
                      IndexCommand.self, TagsCommand.self, RunsCommand.self, ConvertCommand.self, GenerateCommand.self, ReportCommand.self]
    )

    /// What `tfevents --version` prints: the release, the same as the
    /// Python package's (python/pyproject.toml; a test keeps them equal).
    static let version = "0.1.0"
}

/// Entry point: ArgumentParser's own, except that usage errors exit with
/// status 2 (as documented) instead of 64.
@main
enum Main {
    static func main() {
        MemoryReuse.configure()
        TerminationSignals.unblock()
        if Environment.value("TFEVENTS_REPORT_PEAK_MEMORY") == "1" { PeakMemory.reportAtExit() }
        RemoteStorage.install()
        do {
            var command = try TFEventsCommand.parseAsRoot()
            try command.run()
        } catch {
            let code = TFEventsCommand.exitCode(for: error)
            if code == .validationFailure {
                StandardError.write(TFEventsCommand.fullMessage(for: error) + "\n")
                StandardError.write("Run 'tfevents --help' for usage.\n")
                StandardOutput.shared.flush()
                exit(ExitStatus.usage)
            }
            StandardOutput.shared.flush()
            TFEventsCommand.exit(withError: error)
        }
    }
}

/// Keeps freed memory for the next allocation instead of giving it back to
/// the system at once. Chunks, columns and buffers of megabytes are
/// allocated and freed over and over (often on other threads), and glibc
/// maps each such block afresh: every page of it was faulted in and zeroed
/// by the kernel again, at about 0.5 GB/s here. Through the index to Arrow
/// on a 1 GiB log this took page faults from 70,700 to 11,700 and the CPU
/// time from 1.26 to 1.06 s. Both thresholds are needed: setting one turns
/// off glibc's own adjustment of the other.
enum MemoryReuse {
    static func configure() {
        #if canImport(Glibc)
        // glibc's <malloc.h>: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3.
        _ = glibcMallopt(-3, 256 << 20)
        _ = glibcMallopt(-1, 512 << 20)
        #endif
    }
}

#if canImport(Glibc)
/// `mallopt(3)`: not in the Glibc module Swift imports (it lives in
/// <malloc.h>), so declared here by its C name.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// The documented exit statuses.
enum ExitStatus {
    /// Everything read cleanly.
    static let clean: Int32 = 0
    /// Corruption was found.
    static let corruption: Int32 = 1
    /// Bad usage or an unreadable path.
    static let usage: Int32 = 2
    /// `best`: no evaluation at all.
    static let noEvaluation: Int32 = 3
}

/// `TFEVENTS_REPORT_PEAK_MEMORY=1`: prints this process's peak resident
/// memory (`VmHWM` of /proc/self/status) on stderr at exit, as
/// `tfevents: peak resident memory: N kB`. For tests and benchmarks: a
/// parent's rusage cannot tell, since the kernel keeps the parent's peak
/// across the fork and exec that started us.
enum PeakMemory {
    static func reportAtExit() {
        atexit {
            guard let status = try? FileOperations.readFile("/proc/self/status", limit: 1 << 16) else { return }
            let text = String(decoding: status, as: UTF8.self)
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return }
            let value = line.dropFirst("VmHWM:".count).trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            StandardError.report("peak resident memory: \(value)")
        }
    }
}
