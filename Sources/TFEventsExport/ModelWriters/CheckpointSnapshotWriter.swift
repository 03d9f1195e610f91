import TFRecord
import TFEventsSystem

/// The default ``ModelWriter``: a snapshot of the checkpoint, without
/// TensorFlow. A TensorFlow checkpoint's variables go into SavedModel
/// layout:
///
/// ```
/// <export>/variables/variables.index                   ← <prefix>.index
/// <export>/variables/variables.data-00000-of-00001     ← <prefix>.data-00000-of-00001
/// ```
///
/// The checkpoint of another framework (a file or a directory tree, see
/// ``CheckpointLayout``) goes in whole under its own name:
/// `<export>/epoch=2-step=30.ckpt`, `<export>/checkpoint-500/...`.
///
/// Files are hard-linked when the file system allows it (instant, no extra
/// space, and the export survives TensorFlow deleting the checkpoint),
/// copied otherwise. There is no `saved_model.pb`: a serving graph needs
/// TensorFlow; use ``CommandModelWriter`` to write one. The variables load
/// with `tf.train.load_checkpoint("<export>/variables/variables")`.
public struct CheckpointSnapshotWriter: ModelWriter {
    /// How files get into the export.
    public enum FileMode: Sendable, Equatable {
        /// Hard links, copies where links are impossible (the default).
        case linkWhenPossible
        /// Always copies.
        case copy
    }

    /// How files get into the export.
    public var fileMode: FileMode
    var fileSystem: any ExportFileSystem = POSIXFileSystem()

    /// A writer.
    public init(fileMode: FileMode = .linkWhenPossible) {
        self.fileMode = fileMode
    }

    /// `checkpoint_snapshot`.
    public var name: String { "checkpoint_snapshot" }

    /// Links or copies the checkpoint's index and shards into `variables/`.
    ///
    /// - Throws: ``ExportError`` naming the file that failed.
    public func writeModel(_ request: ModelWriteRequest) throws {
        guard request.checkpoint.format == .tensorFlow else { return try writeWhole(request) }
        let variables = FilePaths.join(request.directory, "variables")
        do { try fileSystem.makeDirectory(variables) } catch {
            throw ExportError.fileSystem(operation: "mkdir", path: variables, error: error)
        }
        var files = [(request.checkpoint.indexFile, FilePaths.join(variables, "variables.index"))]
        let base = FilePaths.basename(request.checkpoint.prefix)
        for shard in request.checkpoint.dataFiles {
            // <base>.data-00000-of-00002 → variables.data-00000-of-00002
            let suffix = FilePaths.basename(shard).dropFirst(base.count)
            files.append((shard, FilePaths.join(variables, "variables" + suffix)))
        }
        try place(files)
    }

    /// Links or copies a file checkpoint, or every file of a directory
    /// checkpoint, into the export under the checkpoint's name.
    private func writeWhole(_ request: ModelWriteRequest) throws(ExportError) {
        let source = request.checkpoint.prefix
        let target = FilePaths.join(request.directory, FilePaths.basename(source))
        var files: [(String, String)] = [(source, target)]
        if request.checkpoint.format == .directory {
            let relative: [String]
            do { relative = try fileSystem.listTree(source) } catch {
                throw ExportError.fileSystem(operation: "list", path: source, error: error)
            }
            files = relative.map { (FilePaths.join(source, $0), FilePaths.join(target, $0)) }
            for directory in Set(files.map { FilePaths.dirname($0.1) } + [target]).sorted() {
                do { try fileSystem.makeDirectories(directory) } catch {
                    throw ExportError.fileSystem(operation: "mkdir", path: directory, error: error)
                }
            }
        }
        try place(files)
    }

    private func place(_ files: [(String, String)]) throws(ExportError) {
        for (source, destination) in files {
            do {
                switch fileMode {
                case .linkWhenPossible: _ = try fileSystem.linkOrCopy(source, to: destination)
                case .copy: try fileSystem.copyTree(source, to: destination)
                }
            } catch {
                throw ExportError.fileSystem(operation: "copy \(source) to \(destination)", path: destination, error: error)
            }
        }
    }
}
