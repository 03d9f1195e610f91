import TFRecord
import TFEventsCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// The file-system calls exports make, behind a protocol so that tests can
/// make any of them fail (``FailingFileSystem`` in the tests). Paths may be
/// bucket URLs: ``FileOperations`` answers those through the object store
/// (no renames there; see ``ExportDirectory``).
protocol ExportFileSystem: Sendable {
    /// Whether anything (file, directory, dangling link) exists at `path`.
    func exists(_ path: String) -> Bool
    /// `mkdir(path, 0755)`; fails with `EEXIST` when it exists.
    func makeDirectory(_ path: String) throws(SystemError)
    /// Creates `path` and its missing parents.
    func makeDirectories(_ path: String) throws(SystemError)
    /// Names in a directory, without `.` and `..`.
    func listDirectory(_ path: String) throws(SystemError) -> [String]
    /// Writes a new file (fails when it exists) and syncs it.
    func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError)
    /// Reads a whole side file: a regular file of at most
    /// ``FileOperations/sideFileLimit`` bytes (see
    /// ``FileOperations/readFile(_:limit:)``).
    func readFile(_ path: String) throws(BoundedReadError) -> [UInt8]
    /// Hard-links `source` at `destination`, or copies it when linking is
    /// impossible. Returns whether it linked.
    func linkOrCopy(_ source: String, to destination: String) throws(SystemError) -> Bool
    /// Copies a file, or a directory recursively.
    func copyTree(_ source: String, to destination: String) throws(SystemError)
    /// Renames, failing with `EEXIST`/`ENOTEMPTY` rather than replacing.
    func renameNoReplace(_ source: String, to destination: String) throws(SystemError)
    /// Removes a file or a directory tree (links are removed, not followed).
    func removeTree(_ path: String) throws(SystemError)
    /// `fsync` of a directory, so renames and new names in it are durable.
    func syncDirectory(_ path: String) throws(SystemError)
    /// Every file below `path` at any depth, relative to it (one listing
    /// on object storage).
    func listTree(_ path: String) throws(SystemError) -> [String]
}

/// The real file system.
struct POSIXFileSystem: ExportFileSystem {
    func exists(_ path: String) -> Bool { FileOperations.exists(path) }
    func makeDirectory(_ path: String) throws(SystemError) { try FileOperations.makeDirectory(path) }
    func makeDirectories(_ path: String) throws(SystemError) { try FileOperations.makeDirectories(path) }
    func listDirectory(_ path: String) throws(SystemError) -> [String] { try Directories.list(path) }
    func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) { try FileOperations.writeNewFile(path, bytes) }
    func readFile(_ path: String) throws(BoundedReadError) -> [UInt8] { try FileOperations.readFile(path) }
    func linkOrCopy(_ source: String, to destination: String) throws(SystemError) -> Bool {
        try FileOperations.linkOrCopy(source, to: destination)
    }
    func copyTree(_ source: String, to destination: String) throws(SystemError) {
        try FileOperations.copyTree(source, to: destination)
    }
    func renameNoReplace(_ source: String, to destination: String) throws(SystemError) {
        try FileOperations.renameNoReplace(source, to: destination)
    }
    func removeTree(_ path: String) throws(SystemError) { try FileOperations.removeTree(path) }
    func syncDirectory(_ path: String) throws(SystemError) { try FileOperations.syncDirectory(path) }
    func listTree(_ path: String) throws(SystemError) -> [String] { try FileOperations.listTree(path) }
}
