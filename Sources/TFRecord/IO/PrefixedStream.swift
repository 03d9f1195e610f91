/// A stream that first returns bytes already read (to sniff the format of
/// a pipe), then the rest of the underlying stream.
final class PrefixedStream: ByteStream {
    private var prefix: [UInt8]
    private var prefixPosition = 0
    private let rest: any ByteStream

    init(prefix: [UInt8], rest: any ByteStream) {
        self.prefix = prefix
        self.rest = rest
    }

    /// Reads up to `count` bytes from `stream`, fewer only at its end.
    static func readPrefix(of stream: any ByteStream, count: Int) throws(ByteStreamError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { unsafe buffer.deallocate() }
        var filled = 0
        while filled < count {
            let n = unsafe try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        return unsafe Array(buffer[..<filled])
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        if prefixPosition < prefix.count {
            let count = min(buffer.count, prefix.count - prefixPosition)
            unsafe prefix.withUnsafeBytes { source in
                unsafe buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[prefixPosition ..< prefixPosition + count]))
            }
            prefixPosition += count
            return count
        }
        return unsafe try rest.read(into: buffer)
    }
}
