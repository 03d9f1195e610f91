#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TFEventsSystem
import TFEventsTestSupport

/// The system layer against the real file system: paths, file operations,
/// locks and child processes.
@Suite("System: files, locks, processes")
struct FileOperationsTests {
    @Test("path helpers split and join like the shell's basename/dirname")
    func paths() {
        #expect(FilePaths.join("a/b", "c") == "a/b/c")
        #expect(FilePaths.join("a/b/", "c") == "a/b/c")
        #expect(FilePaths.join("a", "/abs") == "/abs")
        #expect(FilePaths.join("", "c") == "c")
        #expect(FilePaths.basename("a/b/c/") == "c")
        #expect(FilePaths.basename("/") == "/")
        #expect(FilePaths.dirname("a/b/c") == "a/b")
        #expect(FilePaths.dirname("c") == ".")
        #expect(FilePaths.dirname("/c") == "/")
    }

    @Test("a new file is written whole, never over an existing one; rename never replaces")
    func writeAndRename() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileOperations.removeTree(directory) }
        let path = FilePaths.join(directory, "a")
        try FileOperations.writeNewFile(path, [1, 2, 3])
        #expect(try FileOperations.readFile(path) == [1, 2, 3])
        #expect(throws: SystemError(code: EEXIST)) { try FileOperations.writeNewFile(path, [4]) }
        #expect(try FileOperations.readFile(path) == [1, 2, 3])

        let other = FilePaths.join(directory, "b")
        try FileOperations.writeNewFile(other, [9])
        #expect(throws: SystemError.self) { try FileOperations.renameNoReplace(other, to: path) }
        #expect(try FileOperations.readFile(path) == [1, 2, 3])
        try FileOperations.renameReplacing(other, to: path)
        #expect(try FileOperations.readFile(path) == [9])
        #expect(!FileOperations.exists(other))
    }

    @Test("trees are copied and removed; links are removed, not followed")
    func trees() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileOperations.removeTree(directory) }
        let source = FilePaths.join(directory, "source")
        try FileOperations.makeDirectories(source + "/deep/er")
        try FileOperations.writeNewFile(source + "/deep/er/file", Array("x".utf8))
        let outside = FilePaths.join(directory, "outside")
        try FileOperations.writeNewFile(outside, [7])
        #expect(symlink(outside, source + "/link") == 0)

        try FileOperations.copyTree(source, to: directory + "/copy")
        #expect(try FileOperations.readFile(directory + "/copy/deep/er/file") == Array("x".utf8))
        #expect(try FileOperations.readFile(directory + "/copy/link") == [7])  // copied as the file it points to

        try FileOperations.removeTree(source)
        #expect(!FileOperations.exists(source))
        #expect(try FileOperations.readFile(outside) == [7])  // the link's target survives
        try FileOperations.removeTree(source)  // already gone: fine
    }

    @Test("a held lock is refused to a second holder, names its process, and is free once released")
    func lock() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileOperations.removeTree(directory) }
        let path = FilePaths.join(directory, ".lock")
        let first = try FileLock(path: path, wait: false)
        #expect(first.isHeld)
        do {
            _ = try FileLock(path: path, wait: false)
            Issue.record("a second lock was granted")
        } catch {
            guard case .held(let holder) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(holder == Environment.processID)
        }
        first.release()
        #expect(!first.isHeld)
        let second = try FileLock(path: path, wait: false)
        #expect(second.isHeld)
    }

    @Test("a child's status, output and timeout are reported")
    func childProcess() {
        let ok = ChildProcess.run(arguments: ["/bin/sh", "-c", "echo hello; exit 3"], environment: [:], timeout: nil,
                                  onOutput: nil)
        #expect(ok.termination == .exited(3))
        #expect(ok.outputTail == "hello\n")

        let environment = ChildProcess.run(arguments: ["/bin/sh", "-c", "printf %s \"$TFEVENTS_TEST\""],
                                           environment: ["TFEVENTS_TEST": "a b"], timeout: nil, onOutput: nil)
        #expect(environment.outputTail == "a b")

        let slow = ChildProcess.run(arguments: ["/bin/sh", "-c", "sleep 30"], environment: [:], timeout: 0.3,
                                    onOutput: nil)
        #expect(slow.termination == .timedOut(seconds: 0.3))

        let missing = ChildProcess.run(arguments: ["/nonexistent/program"], environment: [:], timeout: nil,
                                       onOutput: nil)
        if case .notStarted = missing.termination {} else {
            Issue.record("a missing program started: \(missing.termination)")
        }
    }

    @Test("glob matches regular names; fnmatch keeps * within a path component")
    func globbing() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileOperations.removeTree(directory) }
        try FileOperations.makeDirectories(directory + "/eval")
        try FileOperations.writeNewFile(directory + "/eval/events.out.tfevents.1", [])
        try FileOperations.writeNewFile(directory + "/eval/other", [])
        #expect(FileOperations.glob(directory + "/eval/*.tfevents.*") == [directory + "/eval/events.out.tfevents.1"])
        #expect(FileOperations.pathMatches("eval/*", "eval/a"))
        #expect(!FileOperations.pathMatches("eval/*", "eval/a/b"))
        #expect(FileOperations.textMatches("val/*", "val/a/b"))
    }
}
