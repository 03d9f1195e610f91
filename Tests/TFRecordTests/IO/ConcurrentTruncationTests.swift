import Foundation
import Synchronization
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Files that are truncated and rewritten while they are mapped and read
/// must not kill the process (SIGBUS), and every record handed out must be
/// genuine.
@Suite("Files changing under the reader")
struct ConcurrentTruncationTests {
    @Test("truncate and rewrite in a loop while another thread scans")
    func truncateWhileScanning() throws {
        let scratch = ScratchDirectory()
        let path = scratch.path + "/events.out.tfevents.race"
        let unit = fixtureBytes("tf1/graph_mode/events.out.tfevents.1795433718.vm")
        var bytes: [UInt8] = []
        while bytes.count < 8 << 20 { bytes += unit }  // 8 MiB of whole records
        let original = bytes
        try Data(original).write(to: URL(fileURLWithPath: path))

        let stop = Atomic<Bool>(false)
        let rounds = Atomic<Int>(0)
        let writer = Thread {
            let fd = open(path, O_RDWR)
            var rng = SplitMix64(seed: 3)
            while !stop.load(ordering: .relaxed) {
                let cut = Int.random(in: 0 ..< original.count, using: &rng)
                _ = ftruncate(fd, off_t(cut))
                usleep(UInt32.random(in: 0 ..< 300, using: &rng))
                original.withUnsafeBytes { raw in
                    _ = pwrite(fd, raw.baseAddress! + cut, raw.count - cut, off_t(cut))
                }
                rounds.wrappingAdd(1, ordering: .relaxed)
            }
            close(fd)
        }
        writer.start()

        var scans = 0, truncatedWhileReading = 0, records = 0, changedUnderUs = 0
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline {
            scans += 1
            guard var reader = try? RecordReader(path: path) else { continue }
            var mismatch = false, reported = false
            while true {
                do {
                    guard let record = try reader.next() else { break }
                    records += 1
                    // A record handed out is the original bytes. The file can
                    // still be truncated while we look at the view: then its
                    // pages read as zeros, and the reader must report the
                    // truncation before it ends.
                    let genuine = record.payloadOffset + record.payloadLength <= original.count
                        && record.payload.bytesEqual(original.rawSpan.extracting(record.payloadOffset ..< record.payloadOffset + record.payloadLength))
                    if !genuine { mismatch = true }
                } catch {
                    if error.kind == .truncatedWhileReading {
                        truncatedWhileReading += 1
                        reported = true
                    }
                    if !error.isResumable { break }
                }
            }
            if mismatch {
                changedUnderUs += 1
                #expect(reported, "bytes changed under a view but the reader did not report a truncation")
            }
        }
        stop.store(true, ordering: .relaxed)
        while !writer.isFinished { usleep(1000) }
        #expect(scans > 10)
        #expect(records > 0)
        #expect(rounds.load(ordering: .relaxed) > 10)
        print("scans \(scans), records \(records), truncated-while-reading \(truncatedWhileReading), views changed \(changedUnderUs), writer rounds \(rounds.load(ordering: .relaxed))")
    }
}
