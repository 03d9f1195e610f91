import Foundation
import TFEvents
import TFEventsSynthetic

/// Event files with the cases where reading paths could disagree: a tag
/// twice in one event, NaN and infinities, ties, values that claim to be
/// scalars and do not decode, summaries that do not decode, events without
/// the metric, and file names whose byte order differs from `String` order.
package enum CraftedEvalLogs {
    /// One value of an event.
    package enum Value {
        /// A TF1 `simple_value`.
        case simple(String, Float)
        /// A TF2 scalar: a rank-0 `DT_FLOAT` tensor, value in `tensor_content`.
        case tensor(String, Float)
        /// A value whose tensor does not decode (a length past its end).
        case malformedTensor(String)
    }

    /// One event: its step and values; `damagedSummary` appends a value
    /// whose length runs past the summary, so the summary does not decode.
    package struct Event {
        package var step: Int64
        package var values: [Value]
        package var damagedSummary = false

        package init(step: Int64, values: [Value], damagedSummary: Bool = false) {
            self.step = step
            self.values = values
            self.damagedSummary = damagedSummary
        }
    }

    /// The serialized `Event`.
    package static func payload(_ event: Event, wallTime: Double) -> [UInt8] {
        var writer = ProtoWriter()
        writer.writeDouble(field: 1, wallTime)
        writer.writeVarint(field: 2, UInt64(bitPattern: event.step))
        writer.writeMessage(field: 5) { summary in
            for value in event.values {
                summary.writeMessage(field: 1) { entry in
                    switch value {
                    case let .simple(tag, number):
                        entry.writeString(field: 1, tag)
                        entry.writeFloat(field: 2, number)
                    case let .tensor(tag, number):
                        entry.writeString(field: 1, tag)
                        entry.writeMessage(field: 8) { tensor in
                            tensor.writeVarint(field: 1, 1)               // dtype DT_FLOAT
                            tensor.writeMessage(field: 2) { _ in }       // shape: rank 0
                            var bits = number.bitPattern.littleEndian
                            let content = withUnsafeBytes(of: &bits) { Array($0) }
                            tensor.writeBytes(field: 4, content)        // tensor_content
                        }
                    case let .malformedTensor(tag):
                        entry.writeString(field: 1, tag)
                        entry.writeBytes(field: 8, [0x22, 0x7F, 0x01])  // tensor_content claiming 127 bytes
                    }
                }
            }
            if event.damagedSummary { summary.writeRawBytes([0x0A, 0x7F, 0x0A, 0x01]) }
        }
        return writer.bytes
    }

    /// Writes `events` as one event file (a `file_version` event first).
    package static func write(_ events: [Event], to path: String, firstWallTime: Double = 1_700_000_000) throws {
        var bytes: [UInt8] = []
        RecordWriter.frame(EventEncoder.encoded(.fileVersion(wallTime: firstWallTime)), appendingTo: &bytes)
        for (index, event) in events.enumerated() {
            RecordWriter.frame(payload(event, wallTime: firstWallTime + Double(index + 1)), appendingTo: &bytes)
        }
        try FileManager.default.createDirectory(atPath: FilePaths.dirname(path), withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The logs that the reading paths of a best-model search are compared
    /// on, written into `directory`: three generated evaluation logs of
    /// about `bytes` each (TF1 simple values, TF2 tensors, both mixed; seeds
    /// `seed` to `seed + 2`; `events.out.tfevents.<name + i>.gen`) and a
    /// crafted one of `craftedEvents` random events
    /// (``randomEvents(count:firstStep:random:)`` from `craftedSeed`: ties,
    /// NaN, infinities, missing metrics, malformed values, summaries that do
    /// not decode; `events.out.tfevents.<name + 1000>.crafted`). Returns
    /// the generated paths in that order, then the crafted one.
    package static func writeRecoveryLogs(in directory: String, name: Int, seed: UInt64, bytes: Int,
                                          craftedSeed: UInt64, craftedEvents: Int) throws -> [String] {
        var files: [String] = []
        for (index, encoding) in [EvalLogGenerator.Encoding.simpleValue, .tf2Tensor, .mixed].enumerated() {
            let path = directory + "/events.out.tfevents.\(name + index).gen"
            _ = try EvalLogGenerator.writeFile(path: path, seed: seed + UInt64(index), encoding: encoding,
                                               limit: .bytes(bytes))
            files.append(path)
        }
        var random = SplitMix64(seed: craftedSeed)
        let crafted = directory + "/events.out.tfevents.\(name + 1000).crafted"
        try write(randomEvents(count: craftedEvents, firstStep: 0, random: &random), to: crafted)
        return files + [crafted]
    }

    /// File names of one eval directory: some differ in byte order from
    /// `String` order (a precomposed and a decomposed "é" compare equal as
    /// strings), some are not ASCII at all.
    package static let fileNames = [
        "events.out.tfevents.1700000000.h\u{00E9}st", "events.out.tfevents.1700000000.he\u{0301}st",
        "events.out.tfevents.1700000000.host-\u{65E5}\u{672C}", "events.out.tfevents.1700000000.host",
        "events.out.tfevents.1700000001.z", "events.out.tfevents.1700000000.host.2",
    ]

    /// Random events: tags `loss`, `accuracy` and `aux` with values from a
    /// small set (so that ties happen), sometimes twice in one event,
    /// sometimes NaN or infinite, sometimes malformed; some summaries
    /// damaged; some events without scalars.
    package static func randomEvents(count: Int, firstStep: Int64, random: inout SplitMix64) -> [Event] {
        let numbers: [Float] = [0.25, 0.5, 0.5, 0.75, 1, .nan, .infinity, -.infinity, 0.125]
        var events: [Event] = []
        var step = firstStep
        for _ in 0 ..< count {
            step += Int64(1 + random.nextInt(below: 3))
            var values: [Value] = []
            for tag in ["loss", "accuracy", "aux"] where random.nextInt(below: 4) != 0 {
                let number = numbers[random.nextInt(below: numbers.count)]
                switch random.nextInt(below: 10) {
                case 0: values.append(.malformedTensor(tag))
                case 1, 2, 3: values.append(.tensor(tag, number))
                default: values.append(.simple(tag, number))
                }
                if random.nextInt(below: 6) == 0 {  // the same tag again, another value
                    values.append(.simple(tag, numbers[random.nextInt(below: numbers.count)]))
                }
            }
            values.shuffle(using: &random)
            events.append(Event(step: step, values: values, damagedSummary: random.nextInt(below: 15) == 0))
        }
        return events
    }
}
