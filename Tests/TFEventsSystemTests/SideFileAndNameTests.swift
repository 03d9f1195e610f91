#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TFEventsSystem
import TFEventsTestSupport

/// Side files are read only when they are small regular files; names that
/// are not UTF-8 survive the round trip to the kernel.
@Suite("System: bounded side files, byte names")
struct SideFileAndNameTests {
    @Test("a regular file under the limit reads whole; over it, refused before reading it all")
    func limits() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileOperations.removeTree(directory) }
        let path = FilePaths.join(directory, "side")
        try FileOperations.writeNewFile(path, Array(repeating: 7, count: 1000))
        #expect(try FileOperations.readFile(path, limit: 1000) == Array(repeating: 7, count: 1000))
        #expect(throws: BoundedReadError.tooLarge(size: 1000, limit: 999)) { try FileOperations.readFile(path, limit: 999) }
    }

    @Test("a FIFO, /dev/zero and a directory are refused at once")
    func specialFiles() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileOperations.removeTree(directory) }
        let fifo = FilePaths.join(directory, "fifo")
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: BoundedReadError.notRegularFile("a FIFO")) { try FileOperations.readFile(fifo) }
        #expect(throws: BoundedReadError.notRegularFile("a character device")) { try FileOperations.readFile("/dev/zero") }
        #expect(throws: BoundedReadError.notRegularFile("a directory")) { try FileOperations.readFile(directory) }
        #expect(throws: BoundedReadError.system(SystemError(code: ENOENT))) {
            try FileOperations.readFile(FilePaths.join(directory, "absent"))
        }
    }

    @Test("bytes that are not UTF-8 map to private-use scalars and back, through the kernel")
    func byteNames() throws {
        let raw: [UInt8] = Array("events.".utf8) + [0xFF, 0xC3, 0x28, 0xE9] + Array(".tfevents".utf8)
        let name = PathBytes.string(decoding: raw)
        #expect(PathBytes.bytes(name) == raw)
        #expect(PathBytes.displayText(name) == "events.\\xff\\xc3(\\xe9.tfevents")
        #expect(PathBytes.string(decoding: Array("café".utf8)) == "café")
        #expect(PathBytes.displayText("a\u{1B}b\tc") == "a\\x1bb\\x09c")

        let directory = try TestFiles.scratchDirectory()
        defer { try? FileOperations.removeTree(directory) }
        let path = FilePaths.join(directory, name)
        try FileOperations.writeNewFile(path, [1, 2])
        #expect(try Directories.list(directory) == [name])
        #expect(try FileOperations.readFile(path) == [1, 2])
        #expect(try FileIdentity(path: path).size == 2)
        // The kernel holds the raw bytes: a C listing shows the 0xFF byte.
        let dir = try #require(opendir(directory))
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes != [0x2E] && bytes != [0x2E, 0x2E] { names.append(bytes) }
        }
        #expect(names == [raw])
    }
}
