import TFRecord
import TFEventsCore
import TFEventsSystem

/// Reads one event file, or the part appended since it was last read, into
/// ``FileChunk``s of at most `chunkPointLimit` points each.
///
/// Memory stays bounded by one chunk: a full chunk is handed to `onChunk`
/// (which compresses and stores it) before reading goes on.
struct FileIndexer {
    var options: RecordReaderOptions
    /// Scalar points per chunk before it is handed out.
    var chunkPointLimit = 1 << 20
    /// Called about every 64 Ki records with the bytes read so far.
    var progress: ((Int) -> Void)?

    /// Pseudo-tags of event-level blobs, as TensorBoard names the graph.
    static let graphTag = "__run_graph__"
    static let metaGraphTag = "__meta_graph__"

    /// The result of indexing one file.
    struct Outcome {
        /// The file's updated entry (chunks not yet located).
        var file: IndexedFile
        /// Bytes of the file read this time (uncompressed stream bytes for
        /// compressed files).
        var bytesRead = 0
        /// Why the file could not be read, if it could not.
        var openError: String?
    }

    /// Indexes `path`.
    ///
    /// - Parameters:
    ///   - entry: the file's entry; when `resume` is true, its tags and
    ///     counters are kept and reading starts at `entry.validEnd`.
    ///   - onChunk: receives each chunk in file order.
    func index(path: String, entry: IndexedFile, resume: Bool, identity: FileIdentity,
               onChunk: (FileChunk) -> Void) -> Outcome {
        var file = entry
        file.identity = identity
        if !resume {
            file.tags = []
            file.chunks = []
            file.validEnd = 0
            file.truncatedBytes = 0
            file.corruptRecords = 0
            file.skippedBytes = 0
            file.records = 0
        }
        let startOffset = resume ? file.validEnd : 0
        var reader: EventFileReader
        do {
            reader = try EventFileReader(records: RecordReader(
                path: path, startOffset: startOffset, options: options))
        } catch {
            return Outcome(file: file, openError: error.message)
        }
        file.compression = reader.compression

        var tags = TagTable()
        for tag in file.tags { _ = tags.intern(tag.name) }
        var prediction = TagPrediction()
        var chunk = FileChunk()
        var sinceProgress = 0
        // Per-tag counts of this read, added to `file.tags` at the end (cheaper
        // than updating an array of structs holding strings per point).
        var counts = [(scalars: Int, blobs: Int)](repeating: (0, 0), count: file.tags.count)
        // Each event's plain simple values (tag ids, bits): overwritten
        // event after event, never emptied.
        var plain: [(tagID: Int32, bits: UInt32)] = []

        while true {
            // The event borrows the reader: its scope ends before the
            // reader is asked for its offset.
            do {
                let next: EventView?
                do {
                    next = try reader.next()
                } catch {
                    file.corruptRecords += 1
                    if case .record(let recordError) = error { file.skippedBytes += recordError.skippedBytes }
                    if error.isResumable { continue }
                    break
                }
                guard let event = next else { break }
                file.records += 1
                var eventIndex: UInt32?
                func currentEvent() -> UInt32 {
                    if let eventIndex { return eventIndex }
                    let index = chunk.addEvent(step: event.step, wallTime: event.wallTime, offset: event.recordOffset,
                                               length: event.payloadLength + TFRecordLayout.framingOverhead)
                    eventIndex = index
                    return index
                }

                switch event.kind {
                case .summary:
                    var values = event.summaryValues()
                    var position = 0
                    // A summary that does not decode is a corrupt record: none
                    // of its points count (as for a record with a bad CRC).
                    let mark = chunk.mark
                    do {
                        var value = SummaryValueView()
                        while true {
                            // TensorFlow 1's plain simple values (scalars, no
                            // metadata), tags interned in TFEventsCore's loop.
                            let read = values.internPlainSimpleValues(tags: &tags, predicted: &prediction,
                                                                      position: &position, values: &plain)
                            for (id, bits) in plain[..<read] {
                                let tagID = Int(id)
                                if tagID == file.tags.count {
                                    file.tags.append(newTag(name: tags.tag(tagID), kind: .simpleValue, metadata: nil,
                                                            offset: event.recordOffset))
                                    counts.append((0, 0))
                                }
                                if counts[tagID].scalars == 0 && file.tags[tagID].scalarEncoding == nil {
                                    file.tags[tagID].scalarEncoding = .simpleValue
                                }
                                counts[tagID].scalars += 1
                                chunk.pointTags.append(UInt32(tagID))
                                chunk.pointEvents.append(currentEvent())
                                chunk.values.append(Double(Float(bitPattern: bits)))
                            }
                            guard !values.isAtEnd, try values.next(into: &value) else { break }
                            let known = tags.count
                            let tagID = tags.intern(value.tagBytes, predicted: &prediction, at: position)
                            position += 1
                            if tagID == known {
                                file.tags.append(newTag(value, offset: event.recordOffset))
                                counts.append((0, 0))
                            }
                            // A value that claims to be a scalar and does not
                            // decode is skipped alone; the event goes on.
                            let scalar: ScalarValue?
                            do { scalar = try value.scalar() } catch {
                                file.malformedValues += 1
                                continue
                            }
                            if let scalar {
                                if counts[tagID].scalars == 0 && file.tags[tagID].scalarEncoding == nil {
                                    file.tags[tagID].scalarEncoding = scalar.encoding
                                }
                                counts[tagID].scalars += 1
                                chunk.pointTags.append(UInt32(tagID))
                                chunk.pointEvents.append(currentEvent())
                                chunk.values.append(scalar.value)
                            } else if let kind = BlobKind(value.kind) {
                                counts[tagID].blobs += 1
                                chunk.blobTags.append(UInt32(tagID))
                                chunk.blobEvents.append(currentEvent())
                                chunk.blobKinds.append(kind.rawValue)
                            }
                        }
                    } catch {
                        file.corruptRecords += 1
                        for tag in chunk.pointTags[mark.points...] { counts[Int(tag)].scalars -= 1 }
                        for tag in chunk.blobTags[mark.blobs...] { counts[Int(tag)].blobs -= 1 }
                        chunk.rollBack(to: mark)
                    }
                case .graphDef, .metaGraphDef, .taggedRunMetadata:
                    let (name, kind) = eventBlob(event)
                    let known = tags.count
                    let tagID = tags.intern(name)
                    if tagID == known {
                        file.tags.append(TagInfo(name: name, pluginName: kind == .runMetadata ? "graph_run_metadata" : "graphs",
                                                 dataClass: .blobSequence, firstOffset: event.recordOffset,
                                                 scalarCount: 0, blobCount: 0, scalarEncoding: nil))
                        counts.append((0, 0))
                    }
                    counts[tagID].blobs += 1
                    chunk.blobTags.append(UInt32(tagID))
                    chunk.blobEvents.append(currentEvent())
                    chunk.blobKinds.append(kind.rawValue)
                case .sessionLog:
                    if (try? event.sessionLog())??.status == .start {
                        chunk.startEvents.append(currentEvent())
                    }
                default:
                    break
                }
            }

            if chunk.pointCount >= chunkPointLimit {
                onChunk(chunk)
                chunk.removeAll()
            }
            sinceProgress += 1
            if sinceProgress == 1 << 16, let progress {
                sinceProgress = 0
                progress(reader.offset - startOffset)
            }
        }
        if !chunk.isEmpty { onChunk(chunk) }
        for (id, count) in counts.enumerated() {
            file.tags[id].scalarCount += count.scalars
            file.tags[id].blobCount += count.blobs
        }

        var outcome = Outcome(file: file)
        switch reader.endState {
        case let .truncated(validEnd, trailing):
            outcome.file.validEnd = validEnd
            outcome.file.truncatedBytes = trailing
            outcome.bytesRead = validEnd + trailing - startOffset
        case .clean(let end):
            outcome.file.validEnd = end
            outcome.file.truncatedBytes = 0
            outcome.bytesRead = end - startOffset
        case .stopped(let at):
            outcome.file.validEnd = at
            outcome.file.truncatedBytes = 0
            outcome.bytesRead = reader.offset - startOffset
        case .reading:
            break
        }
        return outcome
    }

    /// A new tag's info from its first value.
    private func newTag(_ value: SummaryValueView, offset: Int) -> TagInfo {
        newTag(name: value.tag, kind: value.kind, metadata: value.hasMetadata ? try? value.metadata() : nil,
               offset: offset)
    }

    /// A new tag's info from its first value's name, kind and metadata:
    /// the plugin and data class the metadata names, else those of the kind.
    private func newTag(name: String, kind: SummaryValueView.Kind, metadata: SummaryMetadata?, offset: Int) -> TagInfo {
        var plugin = metadata?.pluginName ?? ""
        var dataClass = metadata?.dataClass ?? .unknown
        if plugin.isEmpty {
            switch kind {
            case .simpleValue: plugin = "scalars"
            case .histogram, .obsoleteHistogram: plugin = "histograms"
            case .image: plugin = "images"
            case .audio: plugin = "audio"
            case .tensor, .none: plugin = ""
            }
        }
        if dataClass == .unknown {
            switch kind {
            case .simpleValue: dataClass = .scalar
            case .image, .audio: dataClass = .blobSequence
            case .histogram, .obsoleteHistogram: dataClass = .tensor
            default: break
            }
        }
        return TagInfo(name: name, pluginName: plugin, dataClass: dataClass, firstOffset: offset,
                       scalarCount: 0, blobCount: 0, scalarEncoding: nil)
    }

    /// The pseudo-tag and kind of an event-level blob.
    private func eventBlob(_ event: EventView) -> (String, BlobKind) {
        switch event.kind {
        case .graphDef: return (Self.graphTag, .graph)
        case .metaGraphDef: return (Self.metaGraphTag, .metaGraph)
        default:
            // TaggedRunMetadata { 1: string tag; 2: bytes run_metadata }
            var tag = ""
            var reader = ProtoReader(event.memberBytes)
            while !reader.isAtEnd {
                guard let key = try? reader.readKey() else { break }
                if key.number == 1, key.wireType == .lengthDelimited {
                    tag = (try? reader.readLengthDelimited().utf8String) ?? ""
                    break
                }
                if (try? reader.skipField(key)) == nil { break }
            }
            return (tag.isEmpty ? "__run_metadata__" : tag, .runMetadata)
        }
    }
}
