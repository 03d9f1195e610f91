/// Copies a plain file's mapped windows into the caller's buffer: the
/// ``Decompression/open(path:format:)`` stream of an uncompressed file.
package final class PlainSource: ByteStream {
    private let input: CompressedInput
    private var run = UnsafeRawBufferPointer(start: nil, count: 0)
    private var position = 0

    package init(input: CompressedInput) {
        self.input = input
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        if position == run.count {
            run = try input.nextRun()
            position = 0
        }
        let count = min(buffer.count, run.count - position)
        guard count > 0, let source = run.baseAddress, let target = buffer.baseAddress else { return 0 }
        target.copyMemory(from: source + position, byteCount: count)
        position += count
        return count
    }
}
