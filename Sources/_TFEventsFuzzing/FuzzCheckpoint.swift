import TFEventsExport
import TFEventsSystem

/// ``FuzzTarget/checkpoint``: the side-file parsers. The first byte picks:
///
/// - 0: the `checkpoint` file (``CheckpointState``), whose printed form
///   must parse back to the same state;
/// - 1: an export manifest in text format;
/// - 2: an export manifest in binary protobuf;
/// - 3: the bounded reader every side file goes through
///   (``FileOperations/readFile(_:limit:)``, with a 64-byte limit here):
///   a file within the limit reads back exactly, a larger one is refused.
///
/// Every error a parser reports must stay short: it may quote the file,
/// but only an excerpt (at most ``maxErrorLength`` bytes of message).
enum FuzzCheckpoint {
    /// The longest error message accepted from a parser.
    static let maxErrorLength = 1024

    static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let rest = Array(data.dropFirst())
        switch selector % 4 {
        case 0:
            let text = String(decoding: rest, as: UTF8.self)
            do {
                let state = try CheckpointState(parsing: text)
                let again = try? CheckpointState(parsing: state.text)
                precondition(again?.modelCheckpointPath == state.modelCheckpointPath
                             && again?.allModelCheckpointPaths == state.allModelCheckpointPaths,
                             "checkpoint state does not survive printing")
            } catch {
                checkShort(error)
            }
        case 1:
            do {
                let manifest = try ExportManifest(text: String(decoding: rest, as: UTF8.self))
                precondition((try? ExportManifest(text: manifest.text())) != nil, "text manifest does not survive printing")
            } catch {
                checkShort(error)
            }
        case 2:
            do {
                let manifest = try ExportManifest(binary: rest)
                precondition((try? ExportManifest(binary: manifest.binary())) != nil, "binary manifest does not survive printing")
            } catch {
                checkShort(error)
            }
        default:
            guard let file = FuzzScratchFile(rest, name: "side") else { return }
            let limit = 64
            do {
                let read = try FileOperations.readFile(file.path, limit: limit)
                precondition(rest.count <= limit && read == rest, "a side file within the limit did not read back exactly")
            } catch {
                guard case .tooLarge(let size, let reported) = error else { preconditionFailure("unexpected \(error)") }
                precondition(rest.count > limit && reported == limit && size == rest.count,
                             "a side file of \(rest.count) bytes refused as \(size) > \(reported)")
            }
        }
    }

    private static func checkShort(_ error: any Error) {
        precondition(String(describing: error).utf8.count <= maxErrorLength, "an error message quotes too much of its input")
    }
}
