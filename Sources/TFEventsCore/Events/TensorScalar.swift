import TFRecord

/// Turns a serialized `TensorProto` holding one number into a `Double`,
/// exactly as FORMAT §4.2 prescribes.
///
/// Accepted: every numeric dtype (float, double, half, bfloat16, signed and
/// unsigned 8–64-bit integers, bool), a shape whose element count is 1 (or,
/// in strict mode, rank 0 only, as rustboard requires), the value either in
/// `tensor_content` (which takes precedence, as in TensorFlow's
/// `MakeNdarray`) or in the dtype's typed list holding exactly one element,
/// packed or unpacked. Everything else is "not a scalar" (`nil`).
package enum TensorScalar {
    /// Decodes `tensor` (the bytes of a `TensorProto`).
    ///
    /// - Parameter requireRankZero: reject shapes like `[1]` or `[1, 1]`.
    /// - Throws: ``ProtoDecodingError`` when the bytes are not a valid message.
    package static func decode(_ tensor: RawSpan, requireRankZero: Bool) throws(ProtoDecodingError) -> ScalarValue? {
        var reader = ProtoReader(tensor)
        var dtype = DataType.invalid
        var content = tensor.extracting(first: 0)
        var shapeOK = true
        var list = TypedList()

        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (1, .varint):
                dtype = DataType(rawValue: Int32(truncatingIfNeeded: try reader.readVarint()))
            case (2, .lengthDelimited):
                shapeOK = try shapeHasOneElement(reader.readLengthDelimited(), requireRankZero: requireRankZero)
            case (4, .lengthDelimited):
                content = try reader.readLengthDelimited()
            case (5, _), (6, _), (7, _), (10, _), (11, _), (13, _), (16, _), (17, _):
                // float, double, int, int64, bool, half, uint32, uint64 lists
                try list.add(fieldNumber: key.number, key: key, reader: &reader)
            default:
                try reader.skipField(key)
            }
        }
        guard shapeOK, let width = dtype.scalarContentWidth else { return nil }

        if content.byteCount > 0 {
            guard content.byteCount == width, let value = fromContent(ShortForm(content), dtype: dtype) else { return nil }
            return ScalarValue(value: value, encoding: .tensor(dtype, fromContent: true))
        }
        guard list.fieldNumber == expectedListField(dtype), list.count == 1 else { return nil }
        return ScalarValue(value: fromList(list.first, dtype: dtype), encoding: .tensor(dtype, fromContent: false))
    }

    /// The typed-list field number holding values of `dtype` (FORMAT §3.4).
    private static func expectedListField(_ dtype: DataType) -> UInt32 {
        switch dtype {
        case .float: return 5
        case .double: return 6
        case .int32, .int16, .int8, .uint8, .uint16: return 7
        case .int64: return 10
        case .bool: return 11
        case .half, .bfloat16: return 13
        case .uint32: return 16
        case .uint64: return 17
        default: return 0
        }
    }

    /// Whether a `TensorShapeProto` describes exactly one element.
    private static func shapeHasOneElement(_ shape: RawSpan, requireRankZero: Bool) throws(ProtoDecodingError) -> Bool {
        var reader = ProtoReader(shape)
        var elements: Int64 = 1
        var rank = 0
        while !reader.isAtEnd {
            let key = try reader.readKey()
            switch (key.number, key.wireType) {
            case (2, .lengthDelimited):  // Dim
                var dim = ProtoReader(try reader.readLengthDelimited())
                var size: Int64 = 0
                while !dim.isAtEnd {
                    let dimKey = try dim.readKey()
                    if dimKey.number == 1, dimKey.wireType == .varint {
                        size = Int64(bitPattern: try dim.readVarint())
                    } else {
                        try dim.skipField(dimKey)
                    }
                }
                rank += 1
                // Any size other than 1 (0, -1 unknown, >1) means not one element.
                if size != 1 { elements = 0 }
            case (3, .varint):  // unknown_rank
                if try reader.readVarint() != 0 { return false }
            default:
                try reader.skipField(key)
            }
        }
        return elements == 1 && (!requireRankZero || rank == 0)
    }

    /// Decodes the little-endian element of `dtype` at the start of
    /// `bytes`; nil when there are too few bytes.
    private static func fromContent(_ bytes: ShortForm, dtype: DataType) -> Double? {
        switch dtype {
        case .float: return bytes.fixed32(at: 0).map { Double(Float(bitPattern: $0)) }
        case .double: return bytes.fixed64(at: 0).map { Double(bitPattern: $0) }
        case .int32: return bytes.fixed32(at: 0).map { Double(Int32(bitPattern: $0)) }
        case .uint32: return bytes.fixed32(at: 0).map { Double($0) }
        case .int64: return bytes.fixed64(at: 0).map { Double(Int64(bitPattern: $0)) }
        case .uint64: return bytes.fixed64(at: 0).map { Double($0) }
        case .int16: return bytes.fixed16(at: 0).map { Double(Int16(bitPattern: $0)) }
        case .uint16: return bytes.fixed16(at: 0).map { Double($0) }
        case .int8: return bytes.byte(at: 0).map { Double(Int8(bitPattern: $0)) }
        case .uint8: return bytes.byte(at: 0).map { Double($0) }
        case .bool: return bytes.byte(at: 0).map { $0 != 0 ? 1 : 0 }
        case .half: return bytes.fixed16(at: 0).map(halfToDouble)
        case .bfloat16: return bytes.fixed16(at: 0).map(bfloat16ToDouble)
        default: return nil  // unreachable: scalarContentWidth filtered the dtype
        }
    }

    /// Converts the raw first list element (bits for floats, varint for ints).
    private static func fromList(_ raw: UInt64, dtype: DataType) -> Double {
        switch dtype {
        case .float: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        case .double: return Double(bitPattern: raw)
        // int32 fields are truncated to 32 bits after decoding (FORMAT §3.1).
        case .int32: return Double(Int32(truncatingIfNeeded: raw))
        case .int16: return Double(Int16(truncatingIfNeeded: raw))
        case .int8: return Double(Int8(truncatingIfNeeded: raw))
        case .uint8: return Double(UInt8(truncatingIfNeeded: raw))
        case .uint16: return Double(UInt16(truncatingIfNeeded: raw))
        case .int64: return Double(Int64(bitPattern: raw))
        case .uint32: return Double(UInt32(truncatingIfNeeded: raw))
        case .uint64: return Double(raw)
        case .bool: return raw != 0 ? 1 : 0
        case .half: return halfToDouble(UInt16(truncatingIfNeeded: raw))
        case .bfloat16: return bfloat16ToDouble(UInt16(truncatingIfNeeded: raw))
        default: return .nan
        }
    }

    /// IEEE 754 binary16 to Double, subnormals, infinities and NaN included.
    static func halfToDouble(_ bits: UInt16) -> Double {
        let sign: Double = (bits & 0x8000) != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24  // subnormal: fraction * 2^-14 / 2^10
        case 0x1F:
            if fraction == 0 { return sign * .infinity }
            // Keep the NaN's sign and payload in a float32 NaN, as NumPy does.
            let payload = UInt32(bits & 0x3FF) << 13
            return Double(Float(bitPattern: (UInt32(bits & 0x8000) << 16) | 0x7F80_0000 | payload))
        default: return sign * (1 + fraction * 0x1p-10) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// bfloat16 is the top half of a float32.
    static func bfloat16ToDouble(_ bits: UInt16) -> Double {
        Double(Float(bitPattern: UInt32(bits) << 16))
    }
}

/// Collects the count and first element of a repeated numeric field of a
/// `TensorProto`, whether packed or not, across repeated occurrences.
private struct TypedList {
    var fieldNumber: UInt32 = 0
    var count = 0
    var first: UInt64 = 0

    mutating func add(fieldNumber number: UInt32, key: FieldKey, reader: inout ProtoReader) throws(ProtoDecodingError) {
        if fieldNumber != number {
            // A second list field: the tensor is malformed for our purpose;
            // remember the newest, which makes the dtype check fail or pass
            // as the last writer intended.
            fieldNumber = number
            count = 0
        }
        switch key.wireType {
        case .fixed32: record(UInt64(try reader.readFixed32()))
        case .fixed64: record(try reader.readFixed64())
        case .varint: record(try reader.readVarint())
        case .lengthDelimited:
            let packed = try reader.readLengthDelimited()
            var inner = ProtoReader(packed)
            switch number {
            case 5:  // float_val: packed fixed32
                while !inner.isAtEnd { record(UInt64(try inner.readFixed32())) }
            case 6:  // double_val: packed fixed64
                while !inner.isAtEnd { record(try inner.readFixed64()) }
            default:  // every other numeric list is packed varints
                while !inner.isAtEnd { record(try inner.readVarint()) }
            }
        default:
            try reader.skipField(key)
        }
    }

    private mutating func record(_ value: UInt64) {
        if count == 0 { first = value }
        count += 1
    }
}
