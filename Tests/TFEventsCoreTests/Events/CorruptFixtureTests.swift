import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The damaged copies of tf1/graph_mode in Fixtures/corrupt/: each gives its
/// documented outcome at the documented offset, keeps every record before
/// the damage, and (unlike TensorFlow) recovers what follows it.
@Suite("Corrupt fixtures")
struct CorruptFixtureTests {
    static var cases: [String: Any] {
        (try? FixtureLibrary.expected("corrupt"))?["cases"] as? [String: Any] ?? [:]
    }

    static func file(_ name: String) -> String {
        FixtureLibrary.path("corrupt/events.out.tfevents." + name)
    }

    static func tensorflowView(_ name: String) -> (events: Int, scalars: [String: [ExactPoint]]) {
        let entry = cases[name] as? [String: Any] ?? [:]
        return (Int(entry["events_yielded"] as? Int64 ?? -1), expectedScalars(entry["scalars"]))
    }

    /// With TensorFlow's policy (stop at the first bad record) we yield
    /// exactly what `summary_iterator` yielded before its error.
    @Test("stop-at-first-error agrees with summary_iterator",
          arguments: ["payload_bitflip", "length_bitflip", "truncated_payload", "truncated_header",
                      "garbage_appended", "empty", "not_tfrecord", "huge_length"])
    func agreesWithTensorFlow(name: String) throws {
        let observed = try ObservedFile(path: Self.file(name), options: .stopAtFirstError)
        let expected = Self.tensorflowView(name)
        #expect(observed.kinds.count == expected.events)
        #expect(observed.scalars.filter { !$0.value.isEmpty } == expected.scalars.filter { !$0.value.isEmpty })
    }

    @Test("payload bit flip: reported at the record, reading continues after it")
    func payloadBitflip() throws {
        let observed = try ObservedFile(path: Self.file("payload_bitflip"))
        #expect(observed.errors.count == 1)
        let error = try #require(observed.errors.first)
        #expect(error.offset == 6227)
        #expect(error.kindName == "corrupt_payload")
        #expect(error.isResumable)
        #expect(observed.kinds.count == 22)  // 23 records, one bad
        #expect(observed.endState == .clean(offset: 12189))
        #expect(observed.scalars["loss"]?.count == 14)
    }

    @Test("length bit flip: reported, then resynchronised to the next record")
    func lengthBitflip() throws {
        let observed = try ObservedFile(path: Self.file("length_bitflip"))
        let error = try #require(observed.errors.first)
        #expect(observed.errors.count == 1)
        #expect(error.offset == 6227)
        #expect(error.kindName == "corrupt_length")
        guard case .record(let recordError) = error else { Issue.record("not a record error"); return }
        #expect(recordError.skippedBytes == 6865 - 6227)
        #expect(observed.kinds.count == 22)
        #expect(observed.endState == .clean(offset: 12189))

        let stopped = try ObservedFile(path: Self.file("length_bitflip"), options: .stopAtFirstError)
        #expect(stopped.endState == .stopped(at: 6227))
    }

    @Test("truncated payload and header: a truncated tail, not an error",
          arguments: [("truncated_payload", 19), ("truncated_header", 5)])
    func truncated(name: String, trailing: Int) throws {
        let observed = try ObservedFile(path: Self.file(name))
        #expect(observed.errors.isEmpty)
        #expect(observed.endState == .truncated(validEnd: 12158, trailingBytes: trailing))
        #expect(observed.kinds.count == 22)
    }

    @Test("garbage appended: a bad length at the old end of file")
    func garbageAppended() throws {
        let observed = try ObservedFile(path: Self.file("garbage_appended"))
        let error = try #require(observed.errors.first)
        #expect(error.offset == 12189)
        #expect(error.kindName == "corrupt_length")
        #expect(observed.kinds.count == 23)
    }

    @Test("empty file: a clean end with no records")
    func empty() throws {
        let observed = try ObservedFile(path: Self.file("empty"))
        #expect(observed.errors.isEmpty)
        #expect(observed.kinds.isEmpty)
        #expect(observed.endState == .clean(offset: 0))
    }

    @Test("not a TFRecord: a bad length at offset 0")
    func notTFRecord() throws {
        let observed = try ObservedFile(path: Self.file("not_tfrecord"), options: .stopAtFirstError)
        let error = try #require(observed.errors.first)
        #expect(error.offset == 0)
        #expect(error.kindName == "corrupt_length")
        #expect(observed.kinds.isEmpty)
    }

    @Test("2^40-byte length with a valid CRC: too large, nothing allocated, earlier records kept")
    func hugeLength() throws {
        let observed = try ObservedFile(path: Self.file("huge_length"), options: .stopAtFirstError)
        let error = try #require(observed.errors.first)
        #expect(error.offset == 78)
        guard case .record(let recordError) = error,
              case let .tooLarge(length, _) = recordError.kind else {
            Issue.record("expected tooLarge, got \(error)")
            return
        }
        #expect(length == 1 << 40)
        #expect(observed.kinds == ["file_version"])

        // With a limit above 2^40, the length simply runs past the end of the
        // file: a truncated tail at the same offset, still without allocating.
        var options = RecordReaderOptions()
        options.maxRecordLength = Int.max - 16
        let lenient = try ObservedFile(path: Self.file("huge_length"), options: options)
        #expect(lenient.errors.isEmpty)
        #expect(lenient.endState == .truncated(validEnd: 78, trailingBytes: 122 - 78))
    }

    @Test("scan summaries name the offsets and count the damage")
    func scanSummaries() {
        let scanner = FileScanner()
        let bitflip = scanner.scan(path: Self.file("payload_bitflip"))
        #expect(bitflip.corruptRecords == 1)
        #expect(bitflip.issues.map(\.offset) == [6227])
        #expect(bitflip.hasCorruption)

        let truncated = scanner.scan(path: Self.file("truncated_payload"))
        #expect(truncated.truncatedBytes == 19)
        #expect(truncated.validEnd == 12158)
        #expect(!truncated.hasCorruption)

        let missing = scanner.scan(path: Self.file("does_not_exist"))
        #expect(missing.unreadable)
    }
}
