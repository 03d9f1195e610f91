/// The protobuf wire types (FORMAT §3.1): how a field's value is laid out.
package enum WireType: UInt8, Sendable {
    /// Varint: int32, int64, uint32, uint64, bool, enum.
    case varint = 0
    /// 8 bytes little-endian: double, fixed64, sfixed64.
    case fixed64 = 1
    /// Varint length, then that many bytes: string, bytes, messages, packed.
    case lengthDelimited = 2
    /// Start of a (deprecated) group.
    case startGroup = 3
    /// End of a (deprecated) group.
    case endGroup = 4
    /// 4 bytes little-endian: float, fixed32, sfixed32.
    case fixed32 = 5
}

/// A field key: field number and wire type.
package struct FieldKey: Equatable, Sendable {
    /// The field number, 1 ... 2^29 - 1.
    package let number: UInt32
    /// How the value is encoded.
    package let wireType: WireType
}
