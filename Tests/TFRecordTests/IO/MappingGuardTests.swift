import Foundation
import Testing
@testable import TFRecord
import TFEventsTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The SIGBUS guard: a fault outside our mappings reaches the handler that
/// was there before ours, and past the slot limit files are read without
/// being mapped.
@Suite("Mapping guard")
struct MappingGuardTests {
    @Test("a SIGBUS that is not ours goes to the handler installed before the guard")
    func chainsToPreviousHandler() async {
        await #expect(processExitsWith: .exitCode(42)) {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in _exit(42) }
            sigemptyset(&action.sa_mask)
            sigaction(SIGBUS, &action, nil)
            // Installs the guard over the handler above.
            let slot = MappingGuard.claimSlot()
            #expect(slot != nil)
            raise(SIGBUS)  // no mapping covers si_addr: not ours
            _exit(1)
        }
    }

    @Test("with the default action before the guard, a stray SIGBUS still terminates with SIGBUS")
    func defaultActionKept() async {
        await #expect(processExitsWith: .signal(SIGBUS)) {
            _ = MappingGuard.claimSlot()
            raise(SIGBUS)
            _exit(1)
        }
    }

    @Test("with every slot taken, a file is read with read(2): same records, no mapping")
    func pastTheSlotLimit() throws {
        // Larger than a small file read whole (WholeFileBytes): this one
        // would be mapped.
        let payloads = (0 ..< 2_500).map { payloadBytes(100 + $0 % 100, seed: UInt64($0)) }
        let file = recordFile(payloads)
        #expect(file.bytes.count > WholeFileBytes.limit)
        let path = try TestFiles.scratchDirectory() + "/records"
        try Data(file.bytes).write(to: URL(fileURLWithPath: path))
        var claimed: [Int] = []
        while let slot = MappingGuard.claimSlot() { claimed.append(slot) }
        defer { for slot in claimed { MappingGuard.releaseSlot(slot) } }
        #expect(claimed.count <= MappingGuard.capacity)
        #expect(MappingGuard.claimSlot() == nil)

        for start in [0, file.offsets[1_000]] {
            var reader = try RecordReader(path: path, startOffset: start)
            let outcome = ReadOutcome(reading: &reader)
            let expected = Array(zip(file.offsets, payloads).filter { $0.0 >= start })
            #expect(outcome.records.map(\.offset) == expected.map(\.0))
            #expect(outcome.records.map(\.payload) == expected.map(\.1))
            #expect(outcome.endState == .clean(offset: file.bytes.count))
        }
    }
}
