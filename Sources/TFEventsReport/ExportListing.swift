import TFRecord
import TFEventsCore
import TFEventsExport
import TFEventsSystem

/// One export found under `<model_dir>/export/<exporter>/<version>/`.
package struct ExportEntry: Sendable, Equatable {
    /// The exporter's directory name (`best_exporter`).
    package var exporter: String
    /// The version directory name: the export's time, in seconds since the
    /// epoch (ten digits).
    package var version: String
    /// The export directory.
    package var path: String
    /// The manifest this package writes into each export, nil for exports
    /// without one (made by TensorFlow): their step is unknown.
    package var manifest: ExportManifest?
    /// Why the manifest could not be read, when it could not.
    package var manifestProblem: String?
    /// The `global_step` saved in the export's variables (``SavedModelStep``),
    /// read when there is no manifest.
    package var savedModelStep: Int64?

    /// Where an export's step comes from.
    package enum StepSource: String, Sendable {
        /// Our `export_manifest`: the evaluated step.
        case manifest
        /// The SavedModel's `global_step` variable: the step of the
        /// checkpoint exported (the evaluated step, for Estimator's exporters).
        case savedModel
    }

    /// The evaluated step, when known: from the manifest, else from the
    /// SavedModel's variables.
    package var globalStep: Int64? { manifest?.evalResult.globalStep ?? savedModelStep }

    /// Where ``globalStep`` comes from, nil when it is unknown.
    package var stepSource: StepSource? {
        manifest != nil ? .manifest : savedModelStep != nil ? .savedModel : nil
    }

    /// The version as seconds since the epoch.
    package var seconds: Int64? { Int64(version) }
}

/// Lists the surviving exports of a model directory.
package enum ExportListing {
    /// Every `export/<exporter>/<10 digits>/` directory, exporters sorted
    /// by name and versions ascending (`temp-*` directories of exports in
    /// progress are left out, and in a bucket uncommitted exports, see
    /// ``BucketExports``), each with its manifest when it has one, or
    /// else the `global_step` of its SavedModel variables when it can be
    /// read.
    package static func exports(modelDirectory: String) -> [ExportEntry] {
        let root = FilePaths.join(modelDirectory, "export")
        guard let exporters = try? Directories.list(root) else { return [] }
        var entries: [ExportEntry] = []
        for exporter in exporters.sorted() {
            let directory = FilePaths.join(root, exporter)
            // In a bucket: exports as BucketExports counts them (uncommitted
            // ones and empty prefixes left out).
            let listed = ObjectStores.isRemote(directory) ? try? BucketExports.exportNames(in: directory)
                : try? Directories.list(directory)
            guard let versions = listed else { continue }
            for version in versions.sorted() where ExportDirectory.isVersionName(version) {
                let path = FilePaths.join(directory, version)
                guard ObjectStores.isRemote(path) || Directories.isDirectory(path) else { continue }
                var entry = ExportEntry(exporter: exporter, version: version, path: path)
                do { entry.manifest = try ExportManifest.read(exportDirectory: path) } catch {
                    entry.manifestProblem = error.description
                }
                if entry.manifest == nil { entry.savedModelStep = SavedModelStep.read(exportDirectory: path) }
                entries.append(entry)
            }
        }
        return entries
    }
}
