@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
@testable import TFEventsSystem


/// A ``ByteStream`` over an array that hands out its bytes in random small
/// chunks (1 ... `maxChunk` bytes per read, from a seeded generator), the
/// way a pipe fed by a slow writer does. Reads never return more than asked.
package final class ChunkedByteStream: ByteStream {
    private let bytes: [UInt8]
    private var position = 0
    private var random: SplitMix64
    private let maxChunk: Int
    /// Number of `read` calls that returned data.
    package private(set) var reads = 0

    package init(_ bytes: [UInt8], maxChunk: Int, seed: UInt64) {
        precondition(maxChunk >= 1)
        self.bytes = bytes
        self.maxChunk = maxChunk
        random = SplitMix64(seed: seed)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        let remaining = bytes.count - position
        guard remaining > 0, buffer.count > 0 else { return 0 }
        let chunk = min(Int.random(in: 1 ... maxChunk, using: &random), remaining, buffer.count)
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position ..< position + chunk]))
        }
        position += chunk
        reads += 1
        return chunk
    }
}
