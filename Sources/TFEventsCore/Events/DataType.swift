/// A TensorFlow `DataType` enum value (FORMAT §3.4, `types.proto`).
///
/// A struct rather than an enum so that values this package does not know
/// (newer float8 types, `_REF` variants) survive a round trip.
public struct DataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The enum number on the wire.
    public let rawValue: Int32
    /// Wraps a wire value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `DT_INVALID`.
    public static let invalid = DataType(rawValue: 0)
    /// `DT_FLOAT`, 32-bit IEEE.
    public static let float = DataType(rawValue: 1)
    /// `DT_DOUBLE`, 64-bit IEEE.
    public static let double = DataType(rawValue: 2)
    /// `DT_INT32`.
    public static let int32 = DataType(rawValue: 3)
    /// `DT_UINT8`.
    public static let uint8 = DataType(rawValue: 4)
    /// `DT_INT16`.
    public static let int16 = DataType(rawValue: 5)
    /// `DT_INT8`.
    public static let int8 = DataType(rawValue: 6)
    /// `DT_STRING`.
    public static let string = DataType(rawValue: 7)
    /// `DT_COMPLEX64`.
    public static let complex64 = DataType(rawValue: 8)
    /// `DT_INT64`.
    public static let int64 = DataType(rawValue: 9)
    /// `DT_BOOL`.
    public static let bool = DataType(rawValue: 10)
    /// `DT_BFLOAT16`.
    public static let bfloat16 = DataType(rawValue: 14)
    /// `DT_UINT16`.
    public static let uint16 = DataType(rawValue: 17)
    /// `DT_COMPLEX128`.
    public static let complex128 = DataType(rawValue: 18)
    /// `DT_HALF`, IEEE binary16.
    public static let half = DataType(rawValue: 19)
    /// `DT_UINT32`.
    public static let uint32 = DataType(rawValue: 22)
    /// `DT_UINT64`.
    public static let uint64 = DataType(rawValue: 23)

    private static let names: [Int32: String] = [
        0: "DT_INVALID", 1: "DT_FLOAT", 2: "DT_DOUBLE", 3: "DT_INT32", 4: "DT_UINT8", 5: "DT_INT16",
        6: "DT_INT8", 7: "DT_STRING", 8: "DT_COMPLEX64", 9: "DT_INT64", 10: "DT_BOOL", 11: "DT_QINT8",
        12: "DT_QUINT8", 13: "DT_QINT32", 14: "DT_BFLOAT16", 15: "DT_QINT16", 16: "DT_QUINT16",
        17: "DT_UINT16", 18: "DT_COMPLEX128", 19: "DT_HALF", 20: "DT_RESOURCE", 21: "DT_VARIANT",
        22: "DT_UINT32", 23: "DT_UINT64",
    ]

    /// The TensorFlow name, `DT_FLOAT`, or `DT_<number>` when unknown.
    public var description: String { Self.names[rawValue] ?? "DT_\(rawValue)" }

    /// Bytes per element in `tensor_content` for the numeric types a scalar
    /// can have; nil for the others.
    var scalarContentWidth: Int? {
        switch self {
        case .float, .int32, .uint32: return 4
        case .double, .int64, .uint64: return 8
        case .int16, .uint16, .half, .bfloat16: return 2
        case .int8, .uint8, .bool: return 1
        default: return nil
        }
    }
}
