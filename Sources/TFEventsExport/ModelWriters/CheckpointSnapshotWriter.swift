import TFRecord
import TFEventsSystem

/// The default ``ModelWriter``: a snapshot of the checkpoint's variables in
/// SavedModel layout, without TensorFlow.
///
/// ```
/// <export>/variables/variables.index                   ← <prefix>.index
/// <export>/variables/variables.data-00000-of-00001     ← <prefix>.data-00000-of-00001
/// ```
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
