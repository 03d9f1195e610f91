/// Copies a plain file's mapped windows into the caller's buffer: the
/// ``Decompression/open(path:format:)`` stream of an uncompressed file.
@safe package final class PlainSource: ByteStream {
    private let input: CompressedInput
    private var run = unsafe UnsafeRawBufferPointer(start: nil, count: 0)
    private var position = 0

    package init(input: CompressedInput) {
        self.input = input
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        if unsafe position == run.count {
            unsafe run = unsafe try input.nextRun()
            position = 0
        }
        let count = unsafe min(buffer.count, run.count - position)
        guard count > 0, let source = unsafe run.baseAddress, let target = buffer.baseAddress else { return 0 }
        unsafe target.copyMemory(from: source + position, byteCount: count)
        position += count
        return count
    }
}
