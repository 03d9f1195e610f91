import TFRecord
import TFEventsCore
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension LogdirIndex {
    /// Reads the stored index without looking at the event files (answers
    /// may be stale; ``update(progress:)`` first for fresh ones).
    ///
    /// - Throws: ``IndexError`` when there is no usable index file.
    public func load() throws(IndexError) {
        let (file, manifest, _) = try IndexFile.load(path: indexPath)
        guard manifest.logdir == logdir else {
            throw IndexError(path: indexPath, kind: .otherLogdir(manifest.logdir))
        }
        replace(files: manifest.files, store: file)
    }

    /// Checks the CRC of every stored chunk without decoding it, so that a
    /// damaged index is found before an answer is half printed.
    ///
    /// - Throws: ``IndexError`` (``IndexError/isRebuildable``) at the first
    ///   damaged chunk.
    public func verify() throws(IndexError) {
        guard let store else { return }
        for file in files {
            for location in file.chunks { _ = try store.readRawSegment(at: location.segmentOffset) }
        }
    }

    /// The runs, sorted: directories relative to the log directory.
    public var runs: [String] {
        var seen = Set<String>()
        return files.compactMap { seen.insert($0.run).inserted ? $0.run : nil }.sorted()
    }

    /// The files of `run`, in sorted order.
    public func files(inRun run: String) -> [IndexedFile] {
        files.filter { $0.run == run }
    }

    /// The tags of `run`, in order of first appearance, summed over its files.
    public func tags(run: String) -> [RunTag] {
        var order: [String] = []
        var byName: [String: RunTag] = [:]
        for file in files(inRun: run) {
            for tag in file.tags {
                if var known = byName[tag.name] {
                    known.scalarCount += tag.scalarCount
                    known.blobCount += tag.blobCount
                    byName[tag.name] = known
                } else {
                    order.append(tag.name)
                    byName[tag.name] = RunTag(name: tag.name, pluginName: tag.pluginName, dataClass: tag.dataClass,
                                              scalarCount: tag.scalarCount, blobCount: tag.blobCount,
                                              firstFile: file.relativePath, firstOffset: tag.firstOffset)
                }
            }
        }
        return order.compactMap { byName[$0] }
    }

    /// Decodes and verifies chunk `index` of `file`.
    ///
    /// - Parameter scalarsOnly: leave out event wall times, offsets and
    ///   lengths (empty arrays), for queries that need only steps and values.
    func chunk(_ index: Int, of file: IndexedFile, scalarsOnly: Bool = false) throws(IndexError) -> FileChunk {
        try chunk(index, of: file, columns: scalarsOnly ? .scalars : .all)
    }

    /// Which columns a query decodes.
    enum ChunkColumns {
        /// Every column.
        case all
        /// All but event record offsets and lengths.
        case points
        /// All but event wall times, record offsets and lengths.
        case scalars
    }

    /// Decodes and verifies `columns` of chunk `index` of `file`.
    func chunk(_ index: Int, of file: IndexedFile, columns: ChunkColumns) throws(IndexError) -> FileChunk {
        guard let store else {
            throw IndexError(path: indexPath, kind: .io(operation: "read (index not loaded)", SystemError(code: ENOENT)))
        }
        let location = file.chunks[index]
        let payload = try store.readSegment(at: location.segmentOffset, kind: .chunk)
        let chunk: FileChunk
        do {
            switch columns {
            case .all: chunk = try FileChunk(decoding: payload)
            case .points: chunk = try FileChunk(decodingPoints: payload)
            case .scalars: chunk = try FileChunk(decodingScalars: payload)
            }
        } catch {
            throw IndexError(path: indexPath, kind: .damaged(reason: "undecodable chunk",
                                                             offset: location.segmentOffset + error.offset))
        }
        guard chunk.pointTags.allSatisfy({ Int($0) < file.tags.count }),
              chunk.blobTags.allSatisfy({ Int($0) < file.tags.count }),
              chunk.pointCount == location.pointCount else {
            throw IndexError(path: indexPath, kind: .damaged(reason: "chunk disagrees with its manifest",
                                                             offset: location.segmentOffset))
        }
        return chunk
    }

    /// The scalar series of `tag` in `run`, files in order, points in file order.
    public func scalars(run: String, tag: String, purge: PurgePolicy = .none) throws(IndexError) -> ScalarSeries {
        try allScalars(run: run, purge: purge, only: tag)[tag] ?? ScalarSeries()
    }

    /// Every scalar series of `run`, in one pass over its chunks.
    public func allScalars(run: String, purge: PurgePolicy = .none) throws(IndexError) -> [String: ScalarSeries] {
        try allScalars(run: run, purge: purge, only: nil)
    }

    private func allScalars(run: String, purge: PurgePolicy, only: String?) throws(IndexError) -> [String: ScalarSeries] {
        var series: [String: ScalarSeries] = [:]
        for file in files(inRun: run) {
            // Tag ids of this file mapped to names (nil when not wanted).
            let names: [String?] = file.tags.map { only == nil || $0.name == only ? $0.name : nil }
            guard names.contains(where: { $0 != nil }) || purge == .sessionStart else { continue }
            // One chunk decoded at a time: memory is one chunk, not one file.
            for chunkIndex in file.chunks.indices {
                let chunk = try self.chunk(chunkIndex, of: file)
                var nextStart = 0
                var point = 0
                for event in 0 ..< chunk.eventSteps.count {
                    let step = chunk.eventSteps[event]
                    if nextStart < chunk.startEvents.count, Int(chunk.startEvents[nextStart]) == event {
                        nextStart += 1
                        if purge == .sessionStart {
                            for key in Array(series.keys) {
                                guard var kept = series[key] else { continue }
                                let steps = kept.steps
                                kept.filter { steps[$0] < step }
                                series[key] = kept
                            }
                        }
                    }
                    while point < chunk.pointCount, Int(chunk.pointEvents[point]) == event {
                        defer { point += 1 }
                        guard let name = names[Int(chunk.pointTags[point])] else { continue }
                        if purge == .stepRegression {
                            while let last = series[name]?.steps.last, last >= step {
                                series[name]?.steps.removeLast()
                                series[name]?.wallTimes.removeLast()
                                series[name]?.values.removeLast()
                            }
                        }
                        series[name, default: ScalarSeries()].append(
                            step: step, wallTime: chunk.eventWallTimes[event], value: chunk.values[point])
                    }
                }
            }
        }
        return series
    }

    /// Calls `body` for every scalar point of every file, files in sorted
    /// path order and points in file order.
    public func forEachScalar(_ body: (_ file: IndexedFile, _ tag: String, _ step: Int64, _ wallTime: Double,
                                       _ value: Double) -> Void) throws(IndexError) {
        // A few chunks decoded at a time (ahead, on another thread): memory
        // is a few chunks, not one file.
        try ChunkReadAhead.forEachChunk(of: files, jobs: options.jobs, decode: pointDecoder()) { file, chunk in
            for i in 0 ..< chunk.pointCount {
                let event = Int(chunk.pointEvents[i])
                body(file, file.tags[Int(chunk.pointTags[i])].name, chunk.eventSteps[event],
                     chunk.eventWallTimes[event], chunk.values[i])
            }
        }
    }

    /// Calls `make` with the scalar points of every stored chunk, on other
    /// threads (with ``IndexOptions/jobs`` > 1), and `body` with what it
    /// made, in order (files in sorted path order, chunks in file order):
    /// for work per chunk that can run side by side, such as formatting
    /// rows of text, while the calling thread writes them out.
    public func forEachScalarChunk<Made: Sendable>(
        making make: @escaping @Sendable (_ file: IndexedFile, _ columns: ScalarChunkColumns) -> Made,
        _ body: (_ file: IndexedFile, _ made: Made) -> Void) throws(IndexError) {
        let decode = pointDecoder()
        try ChunkReadAhead.forEachChunk(of: files, jobs: options.jobs, decode: { (file: IndexedFile, index: Int) throws(IndexError) -> Made in
            let chunk = try decode(file, index)
            return make(file, ScalarChunkColumns(pointTags: chunk.pointTags, pointEvents: chunk.pointEvents,
                                                 eventSteps: chunk.eventSteps, eventWallTimes: chunk.eventWallTimes,
                                                 values: chunk.values))
        }, body)
    }

    /// The points of a chunk (``ChunkColumns/points``), as a function
    /// another thread can call.
    private func pointDecoder() -> @Sendable (IndexedFile, Int) throws(IndexError) -> FileChunk {
        { [self] (file: IndexedFile, chunk: Int) throws(IndexError) -> FileChunk in
            try self.chunk(chunk, of: file, columns: .points)
        }
    }

    /// Calls `body` with the scalar points of every stored chunk, as the
    /// chunk's own columns (files in sorted path order, chunks and points in
    /// file order): for consumers that move columns in bulk, such as an
    /// Arrow writer, without a call per point.
    ///
    /// Chunks are decoded on another thread (with ``IndexOptions/jobs`` > 1)
    /// while `body` handles the previous one.
    public func forEachScalarChunk(_ body: (_ file: IndexedFile, _ columns: ScalarChunkColumns) -> Void) throws(IndexError) {
        try ChunkReadAhead.forEachChunk(of: files, jobs: options.jobs, decode: pointDecoder()) { file, chunk in
            body(file, ScalarChunkColumns(pointTags: chunk.pointTags, pointEvents: chunk.pointEvents,
                                          eventSteps: chunk.eventSteps, eventWallTimes: chunk.eventWallTimes,
                                          values: chunk.values))
        }
    }

    /// Calls `body` for every event of `run` that holds scalars, with its
    /// values: what a best-result tracker consumes.
    public func forEachEvaluation(run: String, _ body: (IndexedEvaluation) -> Void) throws(IndexError) {
        for file in files(inRun: run) {
            // One chunk decoded at a time: memory is one chunk, not one file.
            for chunkIndex in file.chunks.indices {
                let chunk = try self.chunk(chunkIndex, of: file)
                var point = 0
                for event in 0 ..< chunk.eventSteps.count {
                    var values: [(tag: String, value: Double, encoding: ScalarValue.Encoding?)] = []
                    while point < chunk.pointCount, Int(chunk.pointEvents[point]) == event {
                        let tag = file.tags[Int(chunk.pointTags[point])]
                        values.append((tag.name, chunk.values[point], tag.scalarEncoding))
                        point += 1
                    }
                    guard !values.isEmpty else { continue }
                    body(IndexedEvaluation(file: file.relativePath, recordOffset: Int(chunk.eventOffsets[event]),
                                           step: chunk.eventSteps[event], wallTime: chunk.eventWallTimes[event],
                                           values: values))
                }
            }
        }
    }

    /// Where every non-scalar point of `tag` in `run` is.
    public func blobs(run: String, tag: String) throws(IndexError) -> [BlobLocation] {
        var result: [BlobLocation] = []
        for file in files(inRun: run) {
            guard let id = file.tags.firstIndex(where: { $0.name == tag }), file.tags[id].blobCount > 0 else { continue }
            // One chunk decoded at a time: memory is one chunk, not one file.
            for chunkIndex in file.chunks.indices {
                let chunk = try self.chunk(chunkIndex, of: file)
                for i in 0 ..< chunk.blobTags.count where Int(chunk.blobTags[i]) == id {
                    let event = Int(chunk.blobEvents[i])
                    result.append(BlobLocation(path: logdir + "/" + file.relativePath,
                                               recordOffset: Int(chunk.eventOffsets[event]),
                                               recordLength: Int(chunk.eventLengths[event]),
                                               step: chunk.eventSteps[event], wallTime: chunk.eventWallTimes[event],
                                               kind: BlobKind(rawValue: chunk.blobKinds[i]) ?? .tensor, tag: tag))
                }
            }
        }
        return result
    }

    /// Reads back the serialized `Event` holding a non-scalar point,
    /// verifying its checksums. Plain files are read at the offset; a
    /// compressed file is decoded from its start up to the record.
    public static func readEvent(at location: BlobLocation) throws(ReadEventError) -> [UInt8] {
        var reader: RecordReader
        do {
            reader = try RecordReader(path: location.path, startOffset: location.recordOffset)
        } catch {
            throw .record(ReadRecordError(kind: .io(SystemError(code: ENOENT)), path: location.path,
                                          offset: location.recordOffset, resumable: false))
        }
        while true {
            let record: RecordView?
            do { record = try reader.next() } catch { throw .record(error) }
            guard let record, record.offset <= location.recordOffset else { break }
            if record.offset == location.recordOffset { return record.bytes }
        }
        throw .record(ReadRecordError(kind: .io(SystemError(code: ESPIPE)), path: location.path,
                                      offset: location.recordOffset, resumable: false))
    }
}

/// The scalar points of one stored chunk of an indexed file, in columns:
/// point `i` has tag `file.tags[pointTags[i]]`, value `values[i]`, and the
/// step and wall time of event `pointEvents[i]`.
public struct ScalarChunkColumns: Sendable {
    /// Each point's tag, an index into the file's tags.
    public let pointTags: [UInt32]
    /// Each point's event, an index into the event columns.
    public let pointEvents: [UInt32]
    /// Each event's step.
    public let eventSteps: [Int64]
    /// Each event's wall time.
    public let eventWallTimes: [Double]
    /// Each point's value.
    public let values: [Double]
}
