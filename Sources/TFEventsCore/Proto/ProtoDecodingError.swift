/// Malformed protobuf bytes. `offset` is the position of the problem inside
/// the message being decoded (for an event, inside the record's payload).
///
/// These errors are fatal for the message but not for the file: the record
/// framing is independent of the payload, so the next record is readable.
public struct ProtoDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong. Every case is fatal for the message being decoded and
    /// resumable for the file (the next record is sound).
    ///
    /// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside
    /// this package needs `@unknown default`.
    @nonexhaustive
    public enum Kind: Sendable, Equatable {
        /// The message ends inside a field.
        case truncated
        /// A varint longer than 10 bytes.
        case malformedVarint
        /// Wire type 6 or 7.
        case invalidWireType(UInt8)
        /// Field number 0 (or above 2^29 - 1).
        case invalidFieldNumber
        /// A length-delimited field longer than the rest of the message.
        case lengthOutOfBounds(UInt64)
        /// Groups or messages nested deeper than the limit.
        case nestingTooDeep(limit: Int)
        /// An end-group key without its start, or with another field number.
        case unmatchedEndGroup
        /// A summary with more values than
        /// ``SummaryValues/maxValuesPerEvent``; `offset` is the first value
        /// past the limit.
        case tooManyValues(limit: Int)
    }

    /// What is wrong.
    public let kind: Kind
    /// Byte offset inside the message.
    public let offset: Int

    /// A sentence naming the problem and the offset.
    public var description: String {
        let what: String
        switch kind {
        case .truncated: what = "message ends inside a field"
        case .malformedVarint: what = "varint longer than 10 bytes"
        case .invalidWireType(let type): what = "invalid wire type \(type)"
        case .invalidFieldNumber: what = "invalid field number"
        case .lengthOutOfBounds(let length): what = "length \(length) runs past the end of the message"
        case .nestingTooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .unmatchedEndGroup: what = "end-group without a matching start-group"
        case .tooManyValues(let limit): what = "more than \(limit) summary values in one event"
        }
        return "\(what) at message offset \(offset)"
    }
}
