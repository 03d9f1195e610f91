import TFEventsSystem

/// Where a framework writes its checkpoints, as a path relative to the
/// model directory with placeholders, parsed once and matched against
/// directory listings.
///
/// The syntax is the one the frameworks use for their own file names
/// (Python's `str.format` fields), plus `*`:
///
/// - `{step}` and `{epoch}`: a decimal number; a format spec (`{epoch:02d}`)
///   is accepted and only digits are matched, leading zeros included;
/// - `{name}` or `{name:.4f}`: any other field is a metric value written
///   into the name (`val_loss=0.6931`): a decimal number, `nan` or `inf`;
/// - `*`: any run of characters within one path component;
/// - everything else is literal; `/` separates directories.
///
/// ```swift
/// let template = try CheckpointTemplate("ckpt/epoch{epoch:02d}-{val_loss:.4f}.weights.h5")
/// template.match(["ckpt", "epoch03-0.6931.weights.h5"])?.epoch  // 3
/// ```
public struct CheckpointTemplate: Sendable, Hashable, CustomStringConvertible {
    /// One piece of a path component.
    enum Token: Sendable, Hashable {
        case literal([UInt8])
        case field(String)
        case star
    }

    /// What a matching name says.
    public struct Match: Sendable, Equatable {
        /// The number in `{step}`, when the template has one.
        public var step: Int64?
        /// The number in `{epoch}`, when the template has one.
        public var epoch: Int64?
        /// The other fields, as written in the name (`val_loss` → `0.6931`).
        public var metrics: [String: String] = [:]
    }

    /// The template as given.
    public let text: String
    /// The path components, each a token list.
    let components: [[Token]]

    /// Parses `text`.
    ///
    /// - Throws: ``ExportError/invalidArgument(_:)`` for an empty template,
    ///   an absolute one, `..`, an unclosed `{` or an empty field name.
    public init(_ text: String) throws(ExportError) {
        func invalid(_ reason: String) -> ExportError { .invalidArgument(.invalidCheckpointTemplate(text, reason)) }
        guard !text.isEmpty else { throw invalid("it is empty") }
        guard !text.hasPrefix("/") else { throw invalid("it must be relative to the model directory") }
        var components: [[Token]] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: true) {
            guard part != ".." else { throw invalid("it must not leave the model directory (..)") }
            if part == "." { continue }
            var tokens: [Token] = []
            var literal: [UInt8] = []
            var bytes = Array(part.utf8)[...]
            func flush() {
                if !literal.isEmpty { tokens.append(.literal(literal)) }
                literal.removeAll()
            }
            while let byte = bytes.popFirst() {
                switch byte {
                case UInt8(ascii: "*"):
                    flush()
                    if tokens.last != .star { tokens.append(.star) }
                case UInt8(ascii: "{"):
                    if bytes.first == UInt8(ascii: "{") {  // {{ is a literal brace, as in str.format
                        bytes.removeFirst()
                        literal.append(byte)
                        continue
                    }
                    guard let close = bytes.firstIndex(of: UInt8(ascii: "}")) else { throw invalid("a { is not closed") }
                    let field = bytes[..<close]
                    let name = field.prefix { $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "!") }
                    guard !name.isEmpty else { throw invalid("a {} field has no name") }
                    flush()
                    tokens.append(.field(String(decoding: name, as: UTF8.self)))
                    bytes = bytes[(close + 1)...]
                case UInt8(ascii: "}"):
                    if bytes.first == UInt8(ascii: "}") { bytes.removeFirst() }
                    literal.append(byte)
                default:
                    literal.append(byte)
                }
            }
            flush()
            components.append(tokens)
        }
        guard !components.isEmpty else { throw invalid("it names no file") }
        self.text = text
        self.components = components
    }

    /// A template of literal components only (never fails to build).
    static func unparsed(_ text: String) -> CheckpointTemplate {
        CheckpointTemplate(text: text, components: text.split(separator: "/").map { [.literal(Array($0.utf8))] })
    }

    private init(text: String, components: [[Token]]) {
        self.text = text
        self.components = components
    }

    /// Whether the template has a `{step}` field.
    public var hasStep: Bool { fields.contains("step") }
    /// Whether the template has an `{epoch}` field.
    public var hasEpoch: Bool { fields.contains("epoch") }

    /// Every field name, in order.
    var fields: [String] {
        components.flatMap { $0.compactMap { if case .field(let name) = $0 { name } else { nil } } }
    }

    /// The template.
    public var description: String { text }

    /// Matches one path component against `tokens`, filling `match`.
    func match(component name: String, tokens: [Token], into match: inout Match) -> Bool {
        let bytes = Array(name.utf8)
        var captures: [(String, Range<Int>)] = []
        guard Self.match(bytes[...], tokens[...], &captures) else { return false }
        for (field, range) in captures {
            let text = String(decoding: bytes[range], as: UTF8.self)
            switch field {
            case "step": match.step = Int64(text)
            case "epoch": match.epoch = Int64(text)
            default: match.metrics[field] = text
            }
        }
        return true
    }

    /// Matches a relative path (its components) against the whole template.
    public func match(_ path: [String]) -> Match? {
        guard path.count == components.count else { return nil }
        var result = Match()
        for (name, tokens) in zip(path, components) where !match(component: name, tokens: tokens, into: &result) {
            return nil
        }
        return result
    }

    /// Backtracking match of `name` against `tokens`; `captures` gets the
    /// byte range of each field.
    private static func match(_ name: ArraySlice<UInt8>, _ tokens: ArraySlice<Token>,
                              _ captures: inout [(String, Range<Int>)]) -> Bool {
        guard let token = tokens.first else { return name.isEmpty }
        let rest = tokens.dropFirst()
        switch token {
        case .literal(let literal):
            guard name.starts(with: literal) else { return false }
            return match(name.dropFirst(literal.count), rest, &captures)
        case .star:
            var start = name.startIndex
            while true {
                if match(name[start...], rest, &captures) { return true }
                guard start < name.endIndex else { return false }
                start += 1
            }
        case .field(let field):
            let numeric = field == "step" || field == "epoch"
            var end = name.startIndex
            while end < name.endIndex, Self.fieldAccepts(name[end], numeric: numeric) { end += 1 }
            // Longest first, so that `{step}` takes every digit.
            while end > name.startIndex {
                let value = name[name.startIndex ..< end]
                if Self.isValue(value, numeric: numeric) {
                    captures.append((field, name.startIndex ..< end))
                    if match(name[end...], rest, &captures) { return true }
                    captures.removeLast()
                }
                end -= 1
            }
            return false
        }
    }

    private static func fieldAccepts(_ byte: UInt8, numeric: Bool) -> Bool {
        if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { return true }
        if numeric { return false }
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "e"), UInt8(ascii: "E"),
             UInt8(ascii: "n"), UInt8(ascii: "a"), UInt8(ascii: "i"), UInt8(ascii: "f"):
            return true
        default:
            return false
        }
    }

    /// Whether `bytes` is a whole value: digits for step and epoch; a
    /// number Python's formatting writes (or `nan`, `inf`, `-inf`) for metrics.
    private static func isValue(_ bytes: ArraySlice<UInt8>, numeric: Bool) -> Bool {
        if numeric { return bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
        let text = String(decoding: bytes, as: UTF8.self)
        if ["nan", "inf", "-inf", "+inf"].contains(text) { return true }
        guard bytes.contains(where: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return false }
        return Double(text) != nil
    }
}
