import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `convert` writes: a temporary file beside OUTPUT, renamed over it
/// once everything is written, or standard output. For a bucket URL the
/// temporary file is local (in `$TMPDIR`) and is uploaded once complete:
/// the object appears whole or not at all.
///
/// The temporary file is removed on failure (``discard()``) and when the
/// process is interrupted (SIGINT, SIGTERM, SIGHUP), so OUTPUT is either
/// untouched or complete.
final class OutputTarget {
    /// An output that cannot be used.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    let temporaryPath: String?
    /// The local directory holding the temporary file of an upload.
    private let stagingDirectory: String?
    private var pending = true

    /// Prepares to write `path` (`-` for standard output).
    ///
    /// - Throws: when `path` exists and `force` is false, or is a directory.
    init(path: String, force: Bool) throws(Failure) {
        self.path = path
        guard path != "-" else {
            temporaryPath = nil
            stagingDirectory = nil
            return
        }
        if ObjectStores.isRemote(path) {
            if FileOperations.isDirectory(path) { throw Failure(description: "\(path): is a prefix of other objects") }
            if !force && FileOperations.exists(path) {
                throw Failure(description: "\(path): already exists (use --force to replace it)")
            }
            let staging: String
            do { staging = try FileOperations.temporaryDirectory() } catch {
                throw Failure(description: "cannot create a local staging directory for \(path): \(error)")
            }
            let temporary = FilePathText.join(staging, path.split(separator: "/").last.map(String.init) ?? "output")
            stagingDirectory = staging
            temporaryPath = temporary
            InterruptCleanup.register(temporary)
            return
        }
        stagingDirectory = nil
        var info = stat()
        if stat(path, &info) == 0 {
            if (info.st_mode & S_IFMT) == S_IFDIR { throw Failure(description: "\(path): is a directory") }
            if !force { throw Failure(description: "\(path): already exists (use --force to replace it)") }
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory).\(name).convert-\(getpid()).tmp"
        temporaryPath = temporary
        InterruptCleanup.register(temporary)
    }

    /// A writer into the temporary file (created, never overwriting) or
    /// standard output.
    func makeWriter(compression: CompressionFormat, level: Int?) throws(WriteRecordError) -> RecordFileWriter {
        guard let temporaryPath else {
            return try RecordFileWriter(fileDescriptor: 1, path: "<stdout>", closeOnDeinit: false,
                                        compression: compression, level: level)
        }
        return try RecordFileWriter(path: temporaryPath, compression: compression, level: level, mode: .createNew)
    }

    /// Moves the finished temporary file to OUTPUT (after `fsync`, keeping
    /// the permissions of a file it replaces).
    func commit() throws(Failure) {
        guard pending, let temporaryPath else { return }
        if stagingDirectory != nil {
            do { try FileOperations.copyFile(temporaryPath, to: path) } catch {
                discard()
                throw Failure(description: "\(path): the upload failed: \(error)")
            }
            discard()
            return
        }
        let fd = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
        var info = stat()
        if stat(path, &info) == 0 { _ = chmod(temporaryPath, info.st_mode & 0o7777) }
        guard rename(temporaryPath, path) == 0 else {
            let error = String(cString: strerror(errno))
            discard()
            throw Failure(description: "\(path): cannot rename the finished file into place: \(error)")
        }
        pending = false
        InterruptCleanup.unregister(temporaryPath)
    }

    /// Removes the temporary file: OUTPUT stays as it was.
    func discard() {
        guard pending, let temporaryPath else { return }
        _ = unlink(temporaryPath)
        if let stagingDirectory { _ = rmdir(stagingDirectory) }
        pending = false
        InterruptCleanup.unregister(temporaryPath)
    }
}

/// Removes temporary files (an output being written, an index being built)
/// if the process is interrupted by SIGINT, SIGTERM or SIGHUP, then dies of
/// the signal.
enum InterruptCleanup {
    /// Slots for the paths, as C strings the signal handler can read.
    private static let capacity = 4
    private nonisolated(unsafe) static var paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        return slots
    }()

    /// Removes `temporary` on interruption (until ``unregister(_:)``).
    static func register(_ temporary: String) {
        let slots = paths  // initialised here, never first inside the handler
        guard let free = (0 ..< capacity).first(where: { slots[$0] == nil }) else { return }
        slots[free] = strdup(temporary)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { signalNumber in
                // Only async-signal-safe calls: unlink, then die of the signal.
                for i in 0 ..< InterruptCleanup.capacity {
                    if let path = InterruptCleanup.paths[i] { unlink(path) }
                }
                signal(signalNumber, SIG_DFL)
                raise(signalNumber)
            }
        }
    }

    /// Stops removing `temporary`; with no path left, the default signal
    /// actions come back.
    static func unregister(_ temporary: String) {
        let slots = paths
        for i in 0 ..< capacity {
            if let path = slots[i], String(cString: path) == temporary {
                slots[i] = nil
                free(path)
            }
        }
        if (0 ..< capacity).allSatisfy({ slots[$0] == nil }) {
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] { signal(signalNumber, SIG_DFL) }
        }
    }
}
