import Foundation
import Synchronization
import TFEventsSynthetic
@testable import TFEventsSystem
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport

/// A training job's event writer, driven by a seeded random script:
/// appends whole records, writes records in two pieces (a reader sees the
/// first half as a truncated tail), rotates to a new file, deletes and
/// replaces closed files. It keeps the truth: which complete records each
/// file on disk holds.
package final class ScriptedEventWriter: @unchecked Sendable {
    package struct Options {
        package var deletes = false
        package var replaces = false
        package init(deletes: Bool = false, replaces: Bool = false) { self.deletes = deletes; self.replaces = replaces }
    }

    package let directory: String
    package let relativeDirectory: String
    package let tag: String
    private let options: Options
    private var rng: SplitMix64
    private var encoder = EventEncoder()
    private var nextStep: Int64 = 1
    private var fileNumber = 0
    private var fd: Int32 = -1
    private var currentPath = ""
    private var pending: (bytes: ArraySlice<UInt8>, step: Int64)?
    /// Relative path -> steps of the complete records in it, in order.
    private let truth = Mutex<(onDisk: [String: [Int64]], everComplete: Set<Int64>)>(([:], []))
    package private(set) var operations = 0

    package init(directory: String, relativeDirectory: String, tag: String, seed: UInt64, options: Options) {
        self.directory = directory
        self.relativeDirectory = relativeDirectory
        self.tag = tag
        self.options = options
        rng = SplitMix64(seed: seed)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    package var onDisk: [String: [Int64]] { truth.withLock { $0.onDisk } }
    package var everComplete: Set<Int64> { truth.withLock { $0.everComplete } }

    private func relative(_ name: String) -> String { relativeDirectory.isEmpty ? name : relativeDirectory + "/" + name }

    /// One framed record holding one scalar event at `step`.
    private func record(step: Int64) -> [UInt8] {
        encoder.encode(.scalars(wallTime: 1_700_000_000 + Double(step), step: step, [(tag, Float(step))], style: .simpleValue))
        let payload = encoder.bytes
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { bytes += $0 }
        let lengthCRC = MaskedCRC.compute(Array(bytes)).rawValue
        withUnsafeBytes(of: lengthCRC.littleEndian) { bytes += $0 }
        bytes += payload
        let payloadCRC = MaskedCRC.compute(Array(payload)).rawValue
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

    /// Called before a record's last byte is written: a reader may see the
    /// complete record from the moment that write starts, so `everComplete`
    /// must already hold it (else a reader that wins the race against the
    /// bookkeeping reports a complete record as partial).
    private func completing(_ step: Int64) {
        truth.withLock { _ = $0.everComplete.insert(step) }
    }

    /// Called after the record's last byte is written.
    private func completed(_ step: Int64) {
        let key = relative(currentPath)
        truth.withLock { $0.onDisk[key, default: []].append(step) }
    }

    private func finishPending() {
        guard let (rest, step) = pending else { return }
        completing(step)
        writeAll(rest)
        completed(step)
        pending = nil
    }

    private func closedFiles() -> [String] {
        onDisk.keys.filter { $0 != relative(currentPath) }.sorted()
    }

    /// Runs one scripted operation.
    package func step() {
        operations += 1
        if fd < 0 { openNextFile() }
        let roll = Int.random(in: 0 ..< 100, using: &rng)
        switch roll {
        case 0 ..< 55:
            finishPending()
            let step = nextStep
            nextStep += 1
            completing(step)
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
            _ = FileManager.default.createFile(atPath: temporary, contents: Data(bytes))
            truth.withLock { $0.everComplete.formUnion(steps) }
            _ = rename(temporary, directory + "/" + String(victim.split(separator: "/").last!))
            truth.withLock { $0.onDisk[victim] = steps }
        default:
            finishPending()
        }
    }

    /// Completes the half-written record and closes the file.
    package func finish() {
        finishPending()
        if fd >= 0 { close(fd) }
        fd = -1
    }
}

/// Runs `writer` on a thread for `operations` steps (with short pauses),
/// calling `read` until it is done; returns the number of reads.
package func raceWriter(_ writer: ScriptedEventWriter, operations: Int = 12_000, read: () throws -> Void) throws -> Int {
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

