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
    func write(bucket: String, key: String, bytes: [UInt8], condition: WriteCondition) async throws(SystemError) -> String? { "" }
    func upload(bucket: String, key: String, file: FileBody) async throws(SystemError) {}
    func copy(bucket: String, key: String, sourceBucket: String, sourceKey: String) async throws(SystemError) {}
    func delete(bucket: String, key: String, ifVersion: String?) async throws(SystemError) -> Bool { true }
    func createBucket(_ bucket: String) async throws(SystemError) {}
}

@Suite("Remote reads: blocks fetched ahead", .serialized)
struct RemoteObjectReaderTests {
    /// Blocks of 64 KiB: the logic is the same as with 8 MiB, the test fast.
    static let block = 64 << 10

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
        let size = 3 * Self.block + 12345
        let bytes = (0 ..< size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        for offset in [0, 1, Self.block - 1, size - 5, size] {
            let service = MemoryService(bytes: bytes)
            let reader = RemoteObjectReader(service: service, bucket: "b",
                                            object: RemoteObject(key: "k", size: size, version: "1"), offset: offset,
                                            blockSize: Self.block)
            #expect(reader.size == size)
            let read = try drain(reader, chunk: chunk)
            #expect(read == Array(bytes[offset...]))
            let ranges = service.requested.withLock { $0 }
            #expect(ranges.map(\.lowerBound).sorted() == Array(stride(from: offset, to: size, by: Self.block)))
            #expect(ranges.allSatisfy { $0.count <= Self.block })
        }
        #expect(RemoteObjectReader.budgetInUse == 0, "every block's share of the memory budget is given back")
    }

    @Test("24 readers of 8 MiB blocks stay within the shared budget (they want 384 MiB ahead) and all finish")
    func sharedBudget() throws {
        let block = 8 << 20
        let size = 3 * block
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            for i in 0 ..< size { buffer[i] = UInt8(truncatingIfNeeded: i >> 3) }
            count = size
        }
        let readers = (0 ..< 24).map { _ in
            RemoteObjectReader(service: MemoryService(bytes: bytes), bucket: "b",
                               object: RemoteObject(key: "k", size: size, version: "1"), offset: 0, blockSize: block)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done = [Int](repeating: 0, count: readers.count)
        var peak = 0
        while done.contains(where: { $0 < size }) {
            for (index, reader) in readers.enumerated() where done[index] < size {
                let n = try buffer.withUnsafeMutableBytes { raw in try unsafe reader.read(into: raw) }
                try #require(n > 0)
                if buffer[0] != bytes[done[index]] || buffer[n - 1] != bytes[done[index] + n - 1] {
                    Issue.record("reader \(index) read wrong bytes at \(done[index])")
                }
                done[index] += n
                peak = max(peak, RemoteObjectReader.budgetInUse)
            }
        }
        #expect(peak <= RemoteObjectReader.memoryBudget)
        #expect(peak > 0, "the readers did fetch ahead")
        #expect(RemoteObjectReader.budgetInUse == 0, "used-up blocks give their share back")
    }

    @Test("a block that fails fails the read with its error, after the bytes before it")
    func failure() throws {
        let size = 2 * Self.block + 10
        let bytes = [UInt8](repeating: 7, count: size)
        let service = MemoryService(bytes: bytes, failingOffset: Self.block + 1)
        let reader = RemoteObjectReader(service: service, bucket: "b", object: RemoteObject(key: "k", size: size, version: ""), offset: 0,
                                        blockSize: Self.block)
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
        #expect(total == Self.block)
        #expect(failure?.description == "gs://b/k: injected at byte \(Self.block)")
    }

    @Test("an empty object reads as empty without a request")
    func empty() throws {
        let service = MemoryService(bytes: [])
        let reader = RemoteObjectReader(service: service, bucket: "b", object: RemoteObject(key: "k", size: 0, version: ""), offset: 0)
        #expect(try drain(reader, chunk: 16).isEmpty)
        #expect(service.requested.withLock { $0 }.isEmpty)
    }
}
