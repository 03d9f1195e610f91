import TFRecord
import TFEventsIndex

/// ``FuzzTarget/indexFile``: the first byte picks what the rest is.
///
/// - 0: a whole index file, loaded as ``LogdirIndex`` loads it, then every
///   chunk the manifest names read and decoded.
/// - 1: a manifest payload (after decompression).
/// - 2: a chunk payload (after decompression).
/// - 3: a manifest and a chunk payload, written by us into an index file
///   with valid checksums: the loader must hand back exactly that manifest.
enum FuzzIndexFile {
    static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let rest = Array(data.dropFirst())
        switch selector % 4 {
        case 0:
            load(rest)
        case 1:
            if let manifest = try? IndexManifest(decoding: rest) {
                precondition((try? IndexManifest(decoding: manifest.encoded())) == manifest, "manifest round trip")
            }
        case 2:
            if let chunk = try? FileChunk(decoding: rest) {
                precondition(chunk.pointEvents.allSatisfy { Int($0) < chunk.eventSteps.count }, "chunk point outside its events")
            }
        default:
            let split = rest.isEmpty ? 0 : Int(rest[0]) % rest.count
            let manifestBytes = Array(rest[..<split]), chunkBytes = Array(rest[split...])
            var file = IndexFileFormat.header()
            file += IndexFileFormat.segmentHeader(kind: .chunk, compressed: ZstdBlock.compress(chunkBytes),
                                                  uncompressedLength: chunkBytes.count) + ZstdBlock.compress(chunkBytes)
            let manifestOffset = file.count
            let compressed = ZstdBlock.compress(manifestBytes)
            file += IndexFileFormat.segmentHeader(kind: .manifest, compressed: compressed,
                                                  uncompressedLength: manifestBytes.count) + compressed
            file += IndexFileFormat.trailer(manifestOffset: manifestOffset, length: file.count)
            let loaded = load(file)
            if let expected = try? IndexManifest(decoding: manifestBytes) {
                precondition(loaded == expected, "the loader changed a valid manifest")
            } else {
                precondition(loaded == nil, "the loader accepted an undecodable manifest")
            }
        }
    }

    /// Loads `bytes` as an index file and reads every chunk it names.
    @discardableResult
    static func load(_ bytes: [UInt8]) -> IndexManifest? {
        guard let scratch = FuzzScratchFile(bytes, name: "index") else { return nil }
        let file: IndexFile, manifest: IndexManifest
        do { (file, manifest, _) = try IndexFile.load(path: scratch.path) } catch {
            if case .damaged(_, let offset) = error.kind {
                precondition(offset >= 0 && offset <= bytes.count, "damage offset \(offset) outside the file")
            }
            return nil
        }
        precondition(file.length <= bytes.count, "index length past the file")
        for entry in manifest.files {
            for location in entry.chunks {
                guard let payload = try? file.readSegment(at: location.segmentOffset, kind: .chunk) else { continue }
                _ = try? FileChunk(decoding: payload)
            }
        }
        return manifest
    }
}
