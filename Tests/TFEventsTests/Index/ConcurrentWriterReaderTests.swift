import Foundation
import Synchronization
import Testing
@testable import TFEvents

/// A training job's event writer, driven by a seeded random script:
/// appends whole records, writes records in two pieces (a reader sees the
/// first half as a truncated tail), rotates to a new file, deletes and
/// replaces closed files. It keeps the truth: which complete records each
/// file on disk holds.
final class ScriptedEventWriter: @unchecked Sendable {
    struct Options {
        var deletes = false
        var replaces = false
    }

    let directory: String
    let relativeDirectory: String
    let tag: String
    private let options: Options
    private var rng: SplitMix
    private var encoder = EventEncoder()
    private var nextStep: Int64 = 1
    private var fileNumber = 0
    private var fd: Int32 = -1
    private var currentPath = ""
    private var pending: (bytes: ArraySlice<UInt8>, step: Int64)?
    /// Relative path -> steps of the complete records in it, in order.
    private let truth = Mutex<(onDisk: [String: [Int64]], everComplete: Set<Int64>)>(([:], []))
    private(set) var operations = 0

    init(directory: String, relativeDirectory: String, tag: String, seed: UInt64, options: Options) {
        self.directory = directory
        self.relativeDirectory = relativeDirectory
        self.tag = tag
        self.options = options
        rng = SplitMix(seed: seed)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var onDisk: [String: [Int64]] { truth.withLock { $0.onDisk } }
    var everComplete: Set<Int64> { truth.withLock { $0.everComplete } }

    private func relative(_ name: String) -> String { relativeDirectory.isEmpty ? name : relativeDirectory + "/" + name }

    /// One framed record holding one scalar event at `step`.
    private func record(step: Int64) -> [UInt8] {
        encoder.encode(.scalars(wallTime: 1_700_000_000 + Double(step), step: step, [(tag, Float(step))], style: .simpleValue))
        let payload = encoder.bytes
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { bytes += $0 }
        let lengthCRC = bytes.withUnsafeBytes { MaskedCRC.compute($0).rawValue }
        withUnsafeBytes(of: lengthCRC.littleEndian) { bytes += $0 }
        bytes += payload
        let payloadCRC = payload.withUnsafeBytes { MaskedCRC.compute($0).rawValue }
        withUnsafeBytes(of: payloadCRC.littleEndian) { bytes += $0 }
        return bytes
    }

    private func writeAll(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                precondition(n > 0, "write failed")
                done += n
            }
        }
    }

    private func openNextFile() {
        if fd >= 0 { close(fd) }
        fileNumber += 1
        let name = "events.out.tfevents.\(1_700_000_000 + fileNumber).host"
        currentPath = name
        fd = open(directory + "/" + name, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        truth.withLock { $0.onDisk[relative(name)] = [] }
    }

    private func completed(_ step: Int64) {
        let key = relative(currentPath)
        truth.withLock {
            $0.onDisk[key, default: []].append(step)
            $0.everComplete.insert(step)
        }
    }

    private func finishPending() {
        guard let (rest, step) = pending else { return }
        writeAll(rest)
        completed(step)
        pending = nil
    }

    private func closedFiles() -> [String] {
        onDisk.keys.filter { $0 != relative(currentPath) }.sorted()
    }

    /// Runs one scripted operation.
    func step() {
        operations += 1
        if fd < 0 { openNextFile() }
        let roll = Int.random(in: 0 ..< 100, using: &rng)
        switch roll {
        case 0 ..< 55:
            finishPending()
            let step = nextStep
            nextStep += 1
            writeAll(record(step: step)[...])
            completed(step)
        case 55 ..< 80:
            finishPending()
            let step = nextStep
            nextStep += 1
            let bytes = record(step: step)
            let cut = Int.random(in: 1 ..< bytes.count, using: &rng)
            writeAll(bytes[..<cut])
            pending = (bytes[cut...], step)
        case 80 ..< 90:
            finishPending()
        case 90 ..< 95:
            finishPending()
            openNextFile()
        case 95 ..< 98 where options.deletes:
            guard let victim = closedFiles().randomElement(using: &rng) else { return }
            unlink(directory + "/" + String(victim.split(separator: "/").last!))
            truth.withLock { _ = $0.onDisk.removeValue(forKey: victim) }
        case 98 ..< 100 where options.replaces:
            guard let victim = closedFiles().randomElement(using: &rng) else { return }
            // New content renamed over the old file, as a sync tool does.
            var bytes: [UInt8] = []
            var steps: [Int64] = []
            for _ in 0 ..< Int.random(in: 1 ... 5, using: &rng) {
                bytes += record(step: nextStep)
                steps.append(nextStep)
                nextStep += 1
            }
            let temporary = directory + "/../.replace-\(operations)"
            FileManager.default.createFile(atPath: temporary, contents: Data(bytes))
            rename(temporary, directory + "/" + String(victim.split(separator: "/").last!))
            truth.withLock {
                $0.onDisk[victim] = steps
                $0.everComplete.formUnion(steps)
            }
        default:
            finishPending()
        }
    }

    /// Completes the half-written record and closes the file.
    func finish() {
        finishPending()
        if fd >= 0 { close(fd) }
        fd = -1
    }
}

/// A writer and a reader at the same time, thousands of operations: every
/// complete record is seen exactly once, never a partial one.
@Suite("A writer and a reader at the same time")
struct ConcurrentWriterReaderTests {
    static let operations = 12_000

    /// Runs `writer` on a thread for `operations` steps (with short pauses),
    /// calling `read` until it is done; returns the number of reads.
    static func race(_ writer: ScriptedEventWriter, read: () throws -> Void) throws -> Int {
        let done = Atomic<Bool>(false)
        let thread = Thread {
            for i in 0 ..< operations {
                writer.step()
                if i % 8 == 0 { usleep(200) }
            }
            done.store(true, ordering: .releasing)
        }
        thread.start()
        var reads = 0
        while !done.load(ordering: .acquiring) {
            try read()
            reads += 1
        }
        writer.finish()
        return reads
    }

    @Test("the index: appends, half records, rotation, deletion and replacement during updates")
    func index() throws {
        let scratch = ScratchDirectory()
        let logdir = scratch.path + "/logs"
        let writer = ScriptedEventWriter(directory: logdir + "/run", relativeDirectory: "run", tag: "loss", seed: 7,
                                         options: .init(deletes: true, replaces: true))
        let indexPath = scratch.path + "/index"

        func indexedSteps() throws -> [String: [Int64]] {
            let index = try LogdirIndex(logdir: logdir, indexPath: indexPath)
            _ = try index.update()
            var seen: [String: [Int64]] = [:]
            try index.forEachScalar { file, _, step, _, _ in seen[file.relativePath, default: []].append(step) }
            return seen
        }

        var updates = 0
        let reads = try Self.race(writer) {
            let seen = try indexedSteps()
            updates += 1
            let ever = writer.everComplete  // taken after the update: a superset of what it could see
            let all = seen.values.flatMap { $0 }
            #expect(Set(all).count == all.count, "a record indexed twice")
            #expect(all.allSatisfy(ever.contains), "a record indexed before it was complete")
        }
        let final = try indexedSteps()
        #expect(final == writer.onDisk.filter { !$0.value.isEmpty }, "the index differs from the files")
        #expect(reads > 5)
        print("index: \(writer.operations) writer operations, \(updates) concurrent updates, \(final.values.map(\.count).reduce(0, +)) records on disk")
    }

    @Test("the watch follower: appends, half records, rotation and deletion during polls")
    func follower() throws {
        let scratch = ScratchDirectory()
        let model = scratch.path + "/model"
        let writer = ScriptedEventWriter(directory: model + "/eval", relativeDirectory: "", tag: "loss", seed: 9,
                                         options: .init(deletes: true, replaces: false))
        var follower = EvalLogFollower(modelDirectory: model)
        var polls = 0
        _ = try Self.race(writer) {
            let poll = try follower.poll()
            #expect(poll.issues.isEmpty, "\(poll.issues)")
            polls += 1
        }
        _ = try follower.poll()
        let onDisk = writer.onDisk
        var total = 0
        for file in follower.files {
            let name = FilePaths.basename(file.path)
            if let steps = onDisk[name] {
                #expect(file.eventCount == steps.count, "\(name): \(file.eventCount) events read, \(steps.count) written")
            }
            total += file.eventCount
        }
        // Every file on disk was found; each event counted once overall.
        #expect(Set(onDisk.keys).isSubset(of: Set(follower.files.map { FilePaths.basename($0.path) })))
        #expect(follower.tracker.statistics.evaluations == total)
        #expect(polls > 5)
        print("follower: \(writer.operations) writer operations, \(polls) concurrent polls, \(total) evaluations")
    }
}
