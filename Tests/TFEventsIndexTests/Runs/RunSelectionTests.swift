import Testing
@testable import TFEventsCore
@testable import TFEventsIndex

@Suite("Run selection and hostile hparams data")
struct RunSelectionTests {
    @Test("globs match a run or one of its parents; the regex is searched; neither selects all")
    func globsAndRegex() throws {
        #expect(RunSelection.all.contains(run: "anything/below"))
        let glob = try RunSelection(globs: ["run-[01]", "lr0.1*"])
        #expect(glob.contains(run: "run-0") && glob.contains(run: "run-1/validation"))
        #expect(!glob.contains(run: "run-2") && !glob.contains(run: "run-10") && !glob.contains(run: "."))
        #expect(glob.contains(run: "lr0.1_bs16/1796063252.07"))  // * crosses /
        #expect(glob.contains(file: "run-0/train/events.out.tfevents.1") && !glob.contains(file: "events.out.tfevents.1"))
        let regex = try RunSelection(globs: [], regex: "^run-[23](/|$)")
        #expect(regex.contains(run: "run-3") && regex.contains(run: "run-2/train"))
        #expect(!regex.contains(run: "run-23") && !regex.contains(run: "xrun-3"))
        let either = try RunSelection(globs: ["a"], regex: "b$")
        #expect(either.contains(run: "a/x") && either.contains(run: "sub/b") && !either.contains(run: "c"))
        #expect(throws: RunSelection.InvalidPattern.self) { try RunSelection(globs: [], regex: "(open") }
    }

    @Test("deeply nested hparam values are refused with an error, not a crash; truncated content is an error; another version is skipped")
    func hostileValues() throws {
        // A Value holding a list holding a list ... 100 deep (the limit is 32).
        var deep: [UInt8] = [0x20, 0x01]  // bool_value true
        for _ in 0 ..< 100 {
            let list = [0x0A] + varint(deep.count) + deep
            deep = [0x32] + varint(list.count) + list
        }
        let entry = [0x0A, 0x01, 0x78, 0x12] + varint(deep.count) + deep         // map entry "x" -> deep
        let start = [0x0A] + varint(entry.count) + entry                           // SessionStartInfo.hparams
        let content = [0x1A] + varint(start.count) + start                         // HParamsPluginData.session_start_info
        #expect(throws: ProtoDecodingError.self) {
            _ = try content.withUnsafeBytes { try HParamsPluginData(content: $0.bytes) }
        }
        // 30 levels are fine.
        var shallow: [UInt8] = [0x20, 0x01]
        for _ in 0 ..< 30 {
            let list = [0x0A] + varint(shallow.count) + shallow
            shallow = [0x32] + varint(list.count) + list
        }
        let okEntry = [0x0A, 0x01, 0x78, 0x12] + varint(shallow.count) + shallow
        let okStart = [0x0A] + varint(okEntry.count) + okEntry
        let okContent = [0x1A] + varint(okStart.count) + okStart
        let decoded = try okContent.withUnsafeBytes { try HParamsPluginData(content: $0.bytes) }
        guard case .sessionStart(let info)? = decoded else {
            Issue.record("not a session start")
            return
        }
        #expect(info.hparams.map(\.name) == ["x"])
        // Truncated: the start's length runs past the content.
        let truncated: [UInt8] = [0x1A, 0x40, 0x0A, 0x02]
        #expect(throws: ProtoDecodingError.self) {
            _ = try truncated.withUnsafeBytes { try HParamsPluginData(content: $0.bytes) }
        }
        // Another version is not read.
        let future: [UInt8] = [0x08, 0x01, 0x22, 0x02, 0x08, 0x01]
        #expect(try future.withUnsafeBytes { try HParamsPluginData(content: $0.bytes) } == nil)
    }

    private func varint(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = UInt64(value)
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return bytes + [UInt8(rest)]
    }
}
