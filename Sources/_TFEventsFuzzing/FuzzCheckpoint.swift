import TFEventsExport

/// ``FuzzTarget/checkpoint``: the first byte picks the parser.
///
/// - 0: the `checkpoint` file (``CheckpointState``), whose printed form
///   must parse back to the same state.
/// - 1: an export manifest in text format.
/// - 2: an export manifest in binary protobuf.
enum FuzzCheckpoint {
    static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let rest = Array(data.dropFirst())
        switch selector % 3 {
        case 0:
            let text = String(decoding: rest, as: UTF8.self)
            if let state = try? CheckpointState(parsing: text) {
                let again = try? CheckpointState(parsing: state.text)
                precondition(again?.modelCheckpointPath == state.modelCheckpointPath
                             && again?.allModelCheckpointPaths == state.allModelCheckpointPaths,
                             "checkpoint state does not survive printing")
            }
        case 1:
            if let manifest = try? ExportManifest(text: String(decoding: rest, as: UTF8.self)) {
                precondition((try? ExportManifest(text: manifest.text())) != nil, "text manifest does not survive printing")
            }
        default:
            if let manifest = try? ExportManifest(binary: rest) {
                precondition((try? ExportManifest(binary: manifest.binary())) != nil, "binary manifest does not survive printing")
            }
        }
    }
}
