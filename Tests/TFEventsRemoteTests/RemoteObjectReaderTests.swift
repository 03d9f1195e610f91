import NIOCore
import Synchronization
import Testing
@testable import TFEventsRemote
@testable import TFEventsSystem

#if canImport(Glibc)
import Glibc
#endif

/// An object store in memory whose blocks arrive late and out of order,
/// with an optional failing block; it records the ranges asked for.
final class MemoryService: ObjectService {
    let bytes: [UInt8]
    let failingOffset: Int?
    let requested = Mutex<[Range<Int>]>([])

    init(bytes: [UInt8], failingOffset: Int? = nil) {
        self.bytes = bytes
        self.failingOffset = failingOffset
    }

    func list(bucket: String, prefix: String, recursive: Bool) async throws(SystemError) -> RemoteListing { RemoteListing() }
    func head(bucket: String, key: String) async throws(SystemError) -> RemoteObject? { nil }
    func read(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> [UInt8] {
        Array(bytes[lower ..< upper])
    }
    func block(bucket: String, object: RemoteObject, _ lower: Int, _ upper: Int) async throws(SystemError) -> ByteBuffer {
        requested.withLock { $0.append(lower ..< upper) }
        try? await Task.sleep(nanoseconds: UInt64.random(in: 0 ... 2_000_000))
        if let failingOffset, (lower ..< upper).contains(failingOffset) {
            throw SystemError(code: EIO, detail: "gs://b/k: injected at byte \(lower)")
        }
        return ByteBuffer(bytes: bytes[lower ..< upper])
    }
    func write(bucket: String, key: String, bytes: [UInt8], ifAbsent: Bool) async throws(SystemError) -> Bool { true }
    func delete(bucket: String, key: String) async throws(SystemError) {}
}

@Suite("Remote reads: blocks fetched ahead")
struct RemoteObjectReaderTests {
    /// Reads everything through buffers of `chunk` bytes.
    func drain(_ reader: RemoteObjectReader, chunk: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = try buffer.withUnsafeMutableBytes { raw throws(SystemError) in try unsafe reader.read(into: raw) }
            if n == 0 { return out }
            out += buffer[..<n]
        }
    }

    @Test("every byte in order, from any offset, whatever the read size; every block asked for once",
          arguments: [1, 7, 4096, 1 << 20])
    func wholeObject(chunk: Int) throws {
        let size = 3 * RemoteObjectReader.blockSize + 12345
        let bytes = (0 ..< size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        for offset in [0, 1, RemoteObjectReader.blockSize - 1, size - 5, size] {
            let service = MemoryService(bytes: bytes)
            let reader = RemoteObjectReader(service: service, bucket: "b",
                                            object: RemoteObject(key: "k", size: size, version: "1"), offset: offset)
            #expect(reader.size == size)
            let read = try drain(reader, chunk: chunk)
            #expect(read == Array(bytes[offset...]))
            let ranges = service.requested.withLock { $0 }
            #expect(ranges.map(\.lowerBound).sorted() == Array(stride(from: offset, to: size, by: RemoteObjectReader.blockSize)))
            #expect(ranges.allSatisfy { $0.count <= RemoteObjectReader.blockSize })
        }
    }

    @Test("a block that fails fails the read with its error, after the bytes before it")
    func failure() throws {
        let size = 2 * RemoteObjectReader.blockSize + 10
        let bytes = [UInt8](repeating: 7, count: size)
        let service = MemoryService(bytes: bytes, failingOffset: RemoteObjectReader.blockSize + 1)
        let reader = RemoteObjectReader(service: service, bucket: "b", object: RemoteObject(key: "k", size: size, version: ""), offset: 0)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        var failure: SystemError?
        do {
            while true {
                let n = try buffer.withUnsafeMutableBytes { raw throws(SystemError) in try unsafe reader.read(into: raw) }
                if n == 0 { break }
                total += n
            }
        } catch { failure = error as? SystemError }
        #expect(total == RemoteObjectReader.blockSize)
        #expect(failure?.description == "gs://b/k: injected at byte \(RemoteObjectReader.blockSize)")
    }

    @Test("an empty object reads as empty without a request")
    func empty() throws {
        let service = MemoryService(bytes: [])
        let reader = RemoteObjectReader(service: service, bucket: "b", object: RemoteObject(key: "k", size: 0, version: ""), offset: 0)
        #expect(try drain(reader, chunk: 16).isEmpty)
        #expect(service.requested.withLock { $0 }.isEmpty)
    }
}
