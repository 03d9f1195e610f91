import TFRecord
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How exports appear in object storage, where nothing can be renamed.
///
/// On a disk an export is written under `temp-<seconds>` and renamed into
/// place. In a bucket it is written straight under its numbered prefix
/// `<export_path>/<seconds>/`: first a marker object,
/// `.tfevents-export-pending` (created only if absent, which also reserves
/// the name), then the model, then the manifest (`export_manifest.pb` or
/// `.pbtxt`), which commits the export; the marker is deleted last. So a
/// numbered prefix is
///
/// - committed when it holds a manifest;
/// - uncommitted when it holds the marker and no manifest: an export being
///   written, or one whose writer died. Readers (the restart rule,
///   ranking, garbage collection, `report`) do not count it, and the
///   holder of the export lock deletes it when it starts (only the holder
///   writes, so none can be in progress);
/// - somebody else's export when it holds neither (TensorFlow's own
///   BestExporter writing to `gs://`): counted, never deleted as
///   abandoned, as on a disk.
///
/// Deleting an export deletes its manifest first, so it stops counting at
/// once, however far the rest of the deletion gets.
///
/// A TensorFlow Serving that polls the bucket may see a numbered prefix
/// before its manifest; it loads only directories with a `saved_model.pb`,
/// which ``CommandModelWriter`` writes before the manifest.
package enum BucketExports {
    /// The marker of an export being written (``ExportDirectory/pendingMarker``).
    static var pendingMarker: String { ExportDirectory.pendingMarker }

    /// Whether exports under `exportPath` follow this protocol.
    static func applies(to exportPath: String) -> Bool { ObjectStores.isRemote(exportPath) }

    /// The numbered prefixes under `exportPath`, split into exports
    /// (committed, or somebody else's) and uncommitted ones: one listing.
    static func versions(in exportPath: String, fileSystem: any ExportFileSystem)
        throws(SystemError) -> (exports: [String], uncommitted: [String])
    {
        let keys: [String]
        do { keys = try fileSystem.listTree(exportPath) } catch where error.code == ENOENT { return ([], []) }
        var seen = Set<String>(), committed = Set<String>(), pending = Set<String>()
        for key in keys {
            guard let slash = key.firstIndex(of: "/") else { continue }
            let name = String(key[..<slash])
            guard ExportDirectory.isVersionName(name) else { continue }
            seen.insert(name)
            let rest = key[key.index(after: slash)...]
            if rest == ExportManifest.binaryFileName || rest == ExportManifest.textFileName { committed.insert(name) }
            if rest == pendingMarker { pending.insert(name) }
        }
        let uncommitted = pending.subtracting(committed)
        return (seen.subtracting(uncommitted).sorted(), uncommitted.sorted())
    }

    /// The names of the exports (committed, or somebody else's) under the
    /// bucket prefix `exportPath`, sorted: from the keys, so prefixes that
    /// hold no object any more (some S3-compatible stores keep them) are
    /// not exports either.
    package static func exportNames(in exportPath: String) throws(SystemError) -> [String] {
        try versions(in: exportPath, fileSystem: POSIXFileSystem()).exports
    }

    /// Reserves `<exportPath>/<version>/` by creating its marker; false
    /// when the name is taken (by anything).
    static func reserve(_ finalPath: String, fileSystem: any ExportFileSystem) throws(ExportError) -> Bool {
        guard !fileSystem.exists(finalPath) else { return false }
        do {
            try ExportDirectory.markPending(finalPath, fileSystem: fileSystem)
            return true
        } catch where error.code == EEXIST {
            return false
        } catch {
            throw .fileSystem(operation: "write", path: FilePaths.join(finalPath, pendingMarker), error: error)
        }
    }

    /// After the manifest: the marker is no longer needed (the manifest
    /// wins over it if this fails).
    static func finish(_ finalPath: String, fileSystem: any ExportFileSystem) {
        try? fileSystem.removeTree(FilePaths.join(finalPath, pendingMarker))
    }

    /// Deletes the uncommitted exports. Only the lock holder may call this.
    static func removeUncommitted(exportPath: String, fileSystem: any ExportFileSystem)
        -> (removed: [String], failures: [ExportError])
    {
        var removed: [String] = [], failures: [ExportError] = []
        let uncommitted: [String]
        do { uncommitted = try versions(in: exportPath, fileSystem: fileSystem).uncommitted } catch {
            return ([], [.fileSystem(operation: "list", path: exportPath, error: error)])
        }
        for name in uncommitted {
            let path = FilePaths.join(exportPath, name)
            do {
                try fileSystem.removeTree(path)
                removed.append(path)
            } catch {
                failures.append(.fileSystem(operation: "remove", path: path, error: error))
            }
        }
        return (removed, failures)
    }

    /// Deletes a committed export: the manifest first (from then on it is
    /// not an export), then everything else under its prefix.
    static func remove(_ path: String, fileSystem: any ExportFileSystem) throws(SystemError) {
        for name in [ExportManifest.binaryFileName, ExportManifest.textFileName] {
            try fileSystem.removeTree(FilePaths.join(path, name))
        }
        try fileSystem.removeTree(path)
    }
}
