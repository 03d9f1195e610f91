@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import TFEventsSystem


/// A ``ByteStream`` over an array that hands out its bytes in scripted
/// piece sizes (to make records straddle every boundary), and can fail after
/// a given number of bytes or claim to have ended mid-stream.
package final class ScriptedByteStream: ByteStream {
    private let bytes: [UInt8]
    private let pieces: [Int]
    private var piece = 0
    private(set) var position = 0
    private let failAfter: Int?
    private let failure: ByteStreamError
    package let endedMidStream: Bool

    /// - Parameters:
    ///   - pieces: sizes of successive reads, cycled (0 = as much as fits).
    ///   - failAfter: throw `failure` once this many bytes were handed out.
    package init(_ bytes: [UInt8], pieces: [Int] = [0], failAfter: Int? = nil,
         failure: ByteStreamError = .corrupt(message: "scripted failure", compressedOffset: 1234),
         endedMidStream: Bool = false) {
        self.bytes = bytes
        self.pieces = pieces.isEmpty ? [0] : pieces
        self.failAfter = failAfter
        self.failure = failure
        self.endedMidStream = endedMidStream
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        let end = failAfter.map { min($0, bytes.count) } ?? bytes.count
        if position == end, failAfter != nil { throw failure }
        let wanted = pieces[piece % pieces.count]
        piece += 1
        let count = min(buffer.count, end - position, wanted == 0 ? Int.max : wanted)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position ..< position + count]))
        }
        position += count
        return count
    }
}

/// Builds TFRecord streams for tests.
package enum TestRecords {
    /// One framed record (FORMAT §1.1), as TensorFlow frames it.
    package static func frame(_ payload: [UInt8]) -> [UInt8] {
        RecordWriter.framed(payload)
    }

    /// Random payloads whose sizes cover 0, small, and larger than `large`.
    package static func randomPayloads(count: Int, large: Int, using rng: inout some RandomNumberGenerator) -> [[UInt8]] {
        (0 ..< count).map { index in
            let size: Int
            switch index % 7 {
            case 0: size = 0
            case 1: size = large + Int.random(in: 0 ... large, using: &rng)
            case 2: size = Int.random(in: 1 ... 3, using: &rng)
            default: size = Int.random(in: 4 ... max(4, large / 2), using: &rng)
            }
            return (0 ..< size).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
        }
    }

    /// Every record payload of `reader`, with the errors met.
    package static func readAll(_ reader: inout RecordReader) -> (payloads: [[UInt8]], errors: [ReadRecordError]) {
        var payloads: [[UInt8]] = []
        var errors: [ReadRecordError] = []
        while true {
            do {
                guard let record = try reader.next() else { break }
                payloads.append(record.bytes)
            } catch {
                errors.append(error)
                if !error.isResumable { break }
            }
        }
        return (payloads, errors)
    }
}
