import NIOCore
import TFEventsSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A local file as a sequence of 4 MiB buffers for an upload's body: the
/// memory an upload takes does not grow with the file. Every attempt of a
/// request makes a new sequence, so a retried upload starts again at byte
/// 0. A file that no longer has the announced size fails the request.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let file: FileBody

    init(file: FileBody) { self.file = file }

    func makeAsyncIterator() -> Iterator { Iterator(file: file) }

    struct Iterator: AsyncIteratorProtocol {
        let file: FileBody
        var handle: FileHandle?
        var offset = 0

        init(file: FileBody) { self.file = file }

        mutating func next() async throws -> ByteBuffer? {
            guard offset < file.size else { return nil }
            let handle: FileHandle
            if let open = self.handle { handle = open } else {
                handle = try FileHandle(path: file.path, options: .readOnly)
                self.handle = handle
            }
            let bytes = try handle.read(at: offset, count: Swift.min(4 << 20, file.size - offset))
            guard !bytes.isEmpty else {
                throw SystemError(code: EIO, detail: "\(file.path) shrank to \(offset) bytes while being uploaded")
            }
            offset += bytes.count
            return ByteBuffer(bytes: bytes)
        }
    }
}
