import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The best-model search reads runs of buffered records, decoded and
/// scanned in one loop, and leaves everything else (a bad record, a summary
/// that does not decode, the buffer's end) to the reader's one-at-a-time
/// path. Both must give the same answer: bests with their sources, newest,
/// every count, file progress and issues with their offsets.
@Suite("Buffered scanning equals reading one event at a time")
struct BufferedScanRecoveryTests {
    static func files(in scratch: ScratchDirectory) throws -> [String] {
        var files = try CraftedEvalLogs.writeRecoveryLogs(in: scratch.path, name: 4000, seed: 7, bytes: 30_000,
                                                          craftedSeed: 57, craftedEvents: 700)
        let crafted = files[3]
        let damaged = scratch.path + "/damaged"
        for directory in [damaged, damaged + "-crafted"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        files += try DamagedCopies.write(of: [UInt8](Data(contentsOf: URL(fileURLWithPath: files[2]))), in: damaged)
        files += try DamagedCopies.write(of: [UInt8](Data(contentsOf: URL(fileURLWithPath: crafted))), in: damaged + "-crafted")
        files += CompressedFixtures.variants.map { CompressedFixtures.path($0.suffix) }
        return files
    }

    static var readerOptions: [RecordReaderOptions] {
        var noChecksum = RecordReaderOptions()
        noChecksum.verifyPayloadChecksums = false
        return [.init(), .stopAtFirstError, noChecksum]
    }

    static var trackerOptions: [BestTracker.Options] {
        var newest = BestTracker.Options(trackNewest: true)
        newest.tiesGoToLatest = true
        var metricOnly = BestTracker.Options(includeTensorScalars: false)
        metricOnly.metricEventsOnly = true
        var steps = BestTracker.Options()
        steps.onlySteps = Set((0 ..< 400).map { Int64($0 * 3) })
        return [.init(), newest, metricOnly, steps]
    }

    static func expectSame(_ buffered: EvalRecovery.Result, _ one: EvalRecovery.Result, _ context: String) {
        #expect(buffered.best == one.best && buffered.best?.source == one.best?.source, "\(context)")
        #expect(buffered.newest == one.newest && buffered.newest?.source == one.newest?.source, "\(context)")
        #expect(buffered.statistics == one.statistics, "\(context)")
        #expect(buffered.files == one.files, "\(context)")
        #expect(buffered.issues.map(\.description) == one.issues.map(\.description), "\(context)")
        #expect(buffered.issues.map(\.offset) == one.issues.map(\.offset), "\(context)")
    }

    @Test("generated, crafted, damaged and compressed files, every reader policy and tracker option")
    func everyFile() throws {
        let scratch = ScratchDirectory()
        let files = try Self.files(in: scratch)
        var evaluations = 0, malformedSummaries = 0
        for readerOptions in Self.readerOptions {
            for comparison in [MetricComparison.lossSmaller, .larger("accuracy"), .larger("missing")] {
                for options in Self.trackerOptions {
                    var oneAtATime = options
                    oneAtATime.scansBufferedRecords = false
                    for file in files {
                        let one = try EvalRecovery.recover(files: [file], comparison: comparison, options: oneAtATime,
                                                           readerOptions: readerOptions, jobs: 1)
                        let buffered = try EvalRecovery.recover(files: [file], comparison: comparison, options: options,
                                                                readerOptions: readerOptions, jobs: 1)
                        Self.expectSame(buffered, one, "\(file), \(comparison), \(options), \(readerOptions)")
                        evaluations += one.statistics.evaluations
                        malformedSummaries += one.issues.filter { $0.message.contains("not a valid Event") }.count
                    }
                    // Several files in one search, read in order and in
                    // ranges side by side.
                    for (jobs, rangeBytes) in [(1, nil), (2, 5_000)] as [(Int, Int?)] {
                        let one = try EvalRecovery.recover(files: files, comparison: comparison, options: oneAtATime,
                                                           readerOptions: readerOptions, jobs: jobs, rangeBytes: rangeBytes)
                        let buffered = try EvalRecovery.recover(files: files, comparison: comparison, options: options,
                                                                readerOptions: readerOptions, jobs: jobs, rangeBytes: rangeBytes)
                        Self.expectSame(buffered, one, "all files, \(jobs) jobs, \(comparison), \(options), \(readerOptions)")
                    }
                }
            }
        }
        #expect(evaluations > 50_000)
        #expect(malformedSummaries > 0)  // the one-at-a-time path met summaries that do not decode
    }

    @Test("a file read again from a record offset, plain and compressed: both paths resume at the same event")
    func compressedFromOffset() throws {
        let plain = ReadOutcome.contiguous(CompressedFixtures.bytes(""))
        #expect(plain.records.count > 8)
        for (suffix, _) in CompressedFixtures.variants {
            for record in [1, plain.records.count / 2, plain.records.count - 1] {
                var results: [(Int, Int, BestTracker.Statistics, EvalResult?)] = []
                for buffered in [false, true] {
                    var options = BestTracker.Options(trackNewest: true)
                    options.scansBufferedRecords = buffered
                    var tracker = BestTracker(comparison: .lossSmaller, options: options)
                    var progress = EvalRecovery.FileProgress(path: CompressedFixtures.path(suffix))
                    progress.offset = plain.records[record].offset
                    progress.isCompressed = suffix != ""
                    var issues: [EvalRecovery.Issue] = []
                    try EvalRecovery.read(&progress, into: &tracker, issues: &issues, readerOptions: .init())
                    results.append((progress.eventCount, progress.offset, tracker.statistics, tracker.newest))
                    #expect(issues.isEmpty)
                }
                #expect(results[0].0 == results[1].0 && results[0].1 == results[1].1, "\(suffix) from record \(record)")
                #expect(results[0].2 == results[1].2 && results[0].3 == results[1].3, "\(suffix) from record \(record)")
                #expect(results[0].0 == plain.records.count - record, "\(suffix) from record \(record)")
            }
        }
    }
}
