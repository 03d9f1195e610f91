/// Scalar points as an Arrow IPC stream, in batches of bounded size:
///
/// | column | type |
/// | --- | --- |
/// | `run` | dictionary-encoded UTF-8 (id 0) |
/// | `tag` | dictionary-encoded UTF-8 (id 1) |
/// | `step` | int64 |
/// | `wall_time` | float64 |
/// | `value` | float64 |
/// | `path` (when asked) | dictionary-encoded UTF-8 (id 2) |
///
/// Strings are interned once (``id(run:)``, ``id(tag:)``, ``id(path:)``)
/// and rows carry their ids, so a point costs five array appends; each
/// batch is preceded by the dictionary values added since the last one.
/// Memory holds one batch (``batchRows`` rows) and the dictionaries.
///
/// ```swift
/// var writer = ArrowScalarWriter { bytes in out.write(bytes) }
/// let run = writer.id(run: "train"), tag = writer.id(tag: "loss")
/// writer.append(run: run, tag: tag, step: 1, wallTime: 1.5, value: 0.25)
/// writer.finish()
/// ```
public struct ArrowScalarWriter {
    /// Rows per record batch (the last may be shorter).
    public let batchRows: Int
    /// Whether the `path` column is written.
    public let includesPath: Bool

    private var stream: ArrowStreamWriter
    private var dictionaries = [Dictionary(), Dictionary(), Dictionary()]
    private var runs: [Int32] = []
    private var tags: [Int32] = []
    private var paths: [Int32] = []
    private var steps: [Int64] = []
    private var wallTimes: [Double] = []
    private var values: [Double] = []
    private var sentOnce = false

    /// One dictionary: values by first appearance, and those not sent yet.
    private struct Dictionary {
        var ids: [String: Int32] = [:]
        var values: [String] = []
        var sent = 0

        mutating func id(_ value: String) -> Int32 {
            if let id = ids[value] { return id }
            let id = Int32(values.count)
            ids[value] = id
            values.append(value)
            return id
        }
    }

    /// The schema of the stream.
    public static func fields(includingPath: Bool) -> [ArrowField] {
        var fields = [ArrowField("run", .dictionaryUTF8(id: 0)), ArrowField("tag", .dictionaryUTF8(id: 1)),
                      ArrowField("step", .int64), ArrowField("wall_time", .float64), ArrowField("value", .float64)]
        if includingPath { fields.append(ArrowField("path", .dictionaryUTF8(id: 2))) }
        return fields
    }

    /// A writer; the schema goes to `output` at once.
    public init(includingPath: Bool = false, batchRows: Int = 1 << 16, output: @escaping (ArrowBuffer) -> Void) {
        self.batchRows = max(batchRows, 1)
        includesPath = includingPath
        stream = ArrowStreamWriter(fields: Self.fields(includingPath: includingPath), output: output)
        reserve()
    }

    /// The id of a run name.
    public mutating func id(run: String) -> Int32 { dictionaries[0].id(run) }
    /// The id of a tag.
    public mutating func id(tag: String) -> Int32 { dictionaries[1].id(tag) }
    /// The id of a file path.
    public mutating func id(path: String) -> Int32 { dictionaries[2].id(path) }

    /// One point.
    public mutating func append(run: Int32, tag: Int32, path: Int32 = 0, step: Int64, wallTime: Double, value: Double) {
        runs.append(run)
        tags.append(tag)
        if includesPath { paths.append(path) }
        steps.append(step)
        wallTimes.append(wallTime)
        values.append(value)
        if steps.count >= batchRows { flush() }
    }

    /// Points given as columns (an index chunk): point `i` has the tag
    /// id `tagIDs[pointTags[i]]` (a point whose tag id is negative is left
    /// out) and the step and wall time of event `pointEvents[i]`. One loop
    /// over plain arrays; batches are cut wherever they fill.
    public mutating func append(run: Int32, path: Int32 = 0, tagIDs: [Int32], pointTags: [UInt32], pointEvents: [UInt32],
                                eventSteps: [Int64], eventWallTimes: [Double], values pointValues: [Double]) {
        var i = 0
        let count = min(pointTags.count, pointEvents.count, pointValues.count)
        while i < count {
            let end = min(count, i + (batchRows - steps.count))
            let kept = Self.gather(from: i, to: end, tagIDs: tagIDs, pointTags: pointTags, pointEvents: pointEvents,
                                   eventSteps: eventSteps, eventWallTimes: eventWallTimes, values: pointValues,
                                   into: &tags, &steps, &wallTimes, &values)
            runs.append(contentsOf: repeatElement(run, count: kept))
            if includesPath { paths.append(contentsOf: repeatElement(path, count: kept)) }
            i = end
            if steps.count >= batchRows { flush() }
        }
    }

    /// Appends the points `start ..< end` whose tag id is not negative to
    /// the four columns; returns how many. One pass over the chunk's arrays
    /// writing into room made once, through pointers whose ranges are
    /// checked once per call rather than per element.
    private static func gather(from start: Int, to end: Int, tagIDs: [Int32], pointTags: [UInt32], pointEvents: [UInt32],
                               eventSteps: [Int64], eventWallTimes: [Double], values: [Double],
                               into tags: inout [Int32], _ steps: inout [Int64], _ wallTimes: inout [Double],
                               _ outValues: inout [Double]) -> Int {
        // The ranges read: points start ..< end of three equal columns,
        // and the events they name (checked below, once per point, against
        // the event columns' common length).
        guard start >= 0, start <= end, end <= pointTags.count, end <= pointEvents.count, end <= values.count else { return 0 }
        let base = steps.count
        let room = end - start
        tags.append(contentsOf: repeatElement(0, count: room))
        steps.append(contentsOf: repeatElement(0, count: room))
        wallTimes.append(contentsOf: repeatElement(0, count: room))
        outValues.append(contentsOf: repeatElement(0, count: room))
        let events = min(eventSteps.count, eventWallTimes.count)
        var kept = 0
        unsafe tags.withUnsafeMutableBufferPointer { tagOut in
            unsafe steps.withUnsafeMutableBufferPointer { stepOut in
                unsafe wallTimes.withUnsafeMutableBufferPointer { wallOut in
                    unsafe outValues.withUnsafeMutableBufferPointer { valueOut in
                        unsafe pointTags.withUnsafeBufferPointer { pointTag in
                            unsafe pointEvents.withUnsafeBufferPointer { pointEvent in
                                unsafe values.withUnsafeBufferPointer { value in
                                    unsafe eventSteps.withUnsafeBufferPointer { step in
                                        unsafe eventWallTimes.withUnsafeBufferPointer { wall in
                                            unsafe tagIDs.withUnsafeBufferPointer { ids in
                                                for i in start ..< end {
                                                    // i < end <= each point column's count (checked above).
                                                    let tagIndex = Int(unsafe pointTag[i])
                                                    let tag = tagIndex < ids.count ? unsafe ids[tagIndex] : -1
                                                    let event = Int(unsafe pointEvent[i])
                                                    guard tag >= 0, event < events else { continue }
                                                    // base + kept < base + room == each output's count.
                                                    let at = base &+ kept
                                                    unsafe tagOut[at] = tag
                                                    unsafe stepOut[at] = step[event]
                                                    unsafe wallOut[at] = wall[event]
                                                    unsafe valueOut[at] = value[i]
                                                    kept &+= 1
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let unused = room - kept
        if unused > 0 {
            tags.removeLast(unused)
            steps.removeLast(unused)
            wallTimes.removeLast(unused)
            outValues.removeLast(unused)
        }
        return kept
    }

    /// Writes the rows held, with the dictionary values they need first.
    public mutating func flush() {
        guard !steps.isEmpty else { return }
        for id in 0 ..< (includesPath ? 3 : 2) {
            let dictionary = dictionaries[id]
            // The first batch sends every dictionary, even an empty one.
            if dictionary.sent < dictionary.values.count || !sentOnce {
                stream.writeDictionary(id: Int64(id), values: Array(dictionary.values[dictionary.sent...]))
                dictionaries[id].sent = dictionary.values.count
            }
        }
        var columns: [ArrowColumnData] = [.indices(runs), .indices(tags), .int64(steps), .float64(wallTimes), .float64(values)]
        if includesPath { columns.append(.indices(paths)) }
        stream.writeBatch(length: steps.count, columns: columns)
        sentOnce = true
        runs.removeAll(keepingCapacity: true)
        tags.removeAll(keepingCapacity: true)
        paths.removeAll(keepingCapacity: true)
        steps.removeAll(keepingCapacity: true)
        wallTimes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// Writes what is held and the end-of-stream marker. An empty result is
    /// the schema and no batch (readers give an empty table with the columns).
    public mutating func finish() {
        flush()
        stream.finish()
    }

    private mutating func reserve() {
        runs.reserveCapacity(batchRows)
        tags.reserveCapacity(batchRows)
        if includesPath { paths.reserveCapacity(batchRows) }
        steps.reserveCapacity(batchRows)
        wallTimes.reserveCapacity(batchRows)
        values.reserveCapacity(batchRows)
    }
}
