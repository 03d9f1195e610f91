import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Builds protobuf bytes by hand for the scalar tests.
private struct Bytes {
    var data: [UInt8] = []

    mutating func key(_ field: UInt64, _ wire: UInt64) { data += varintBytes(field << 3 | wire) }
    mutating func varint(_ field: UInt64, _ value: UInt64) { key(field, 0); data += varintBytes(value) }
    mutating func fixed32(_ field: UInt64, _ value: UInt32) { key(field, 5); data += withUnsafeBytes(of: value.littleEndian, Array.init) }
    mutating func fixed64(_ field: UInt64, _ value: UInt64) { key(field, 1); data += withUnsafeBytes(of: value.littleEndian, Array.init) }
    mutating func bytes(_ field: UInt64, _ value: [UInt8]) { key(field, 2); data += varintBytes(UInt64(value.count)) + value }

    static func shape(_ dims: [Int64]) -> [UInt8] {
        var shape = Bytes()
        for size in dims {
            var dim = Bytes()
            dim.varint(1, UInt64(bitPattern: size))
            shape.bytes(2, dim.data)
        }
        return shape.data
    }
}

private func decode(_ tensor: [UInt8], rankZero: Bool = false) throws -> ScalarValue? {
    try TensorScalar.decode(tensor.rawSpan, requireRankZero: rankZero)
}

private func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

@Suite("Scalars from tensors (FORMAT §4.2)")
struct TensorScalarTests {
    @Test("tensor_content of every numeric dtype")
    func content() throws {
        let cases: [(DataType, [UInt8], Double)] = [
            (.float, le(Float(0.99).bitPattern), Double(Float(0.99))),
            (.double, le(0.99.bitPattern), 0.99),
            (.int32, le(Int32(-7)), -7),
            (.uint32, le(UInt32.max), Double(UInt32.max)),
            (.int64, le(Int64(-1) << 40), -0x100_0000_0000),
            (.uint64, le(UInt64(1) << 63), 0x1p63),
            (.int16, le(Int16(-300)), -300),
            (.uint16, le(UInt16(65000)), 65000),
            (.int8, [0xFE], -2),
            (.uint8, [0xFE], 254),
            (.bool, [0x01], 1),
            (.half, le(UInt16(0x3BEC)), 0.990234375),
            (.bfloat16, le(UInt16(0x3F7D)), 0.98828125),
        ]
        for (dtype, content, expected) in cases {
            var tensor = Bytes()
            tensor.varint(1, UInt64(dtype.rawValue))
            tensor.bytes(2, [])
            tensor.bytes(4, content)
            let scalar = try #require(try decode(tensor.data), "\(dtype)")
            #expect(scalar.value == expected, "\(dtype)")
            #expect(scalar.encoding == .tensor(dtype, fromContent: true))
        }
    }

    @Test("typed lists, packed and unpacked, for every numeric dtype")
    func lists() throws {
        // (dtype, list field, wire type, encoded element, expected)
        let cases: [(DataType, UInt64, UInt64, [UInt8], Double)] = [
            (.float, 5, 5, le(Float(2.5).bitPattern), 2.5),
            (.double, 6, 1, le((1e-300).bitPattern), 1e-300),
            (.int32, 7, 0, varintBytes(UInt64(bitPattern: -5)), -5),
            (.int8, 7, 0, varintBytes(UInt64(bitPattern: -128)), -128),
            (.uint8, 7, 0, varintBytes(255), 255),
            (.int64, 10, 0, varintBytes(UInt64(bitPattern: -3)), -3),
            (.bool, 11, 0, varintBytes(1), 1),
            (.uint32, 16, 0, varintBytes(4_000_000_000), 4_000_000_000),
            (.uint64, 17, 0, varintBytes(UInt64.max), 0x1p64),
            (.half, 13, 0, varintBytes(0xC000), -2),
            (.bfloat16, 13, 0, varintBytes(0x3F80), 1),
        ]
        for (dtype, field, wire, element, expected) in cases {
            // unpacked
            var tensor = Bytes()
            tensor.varint(1, UInt64(dtype.rawValue))
            tensor.key(field, wire)
            tensor.data += element
            #expect(try decode(tensor.data)?.value == expected, "\(dtype) unpacked")
            // packed
            var packed = Bytes()
            packed.varint(1, UInt64(dtype.rawValue))
            packed.bytes(field, element)
            let scalar = try decode(packed.data)
            #expect(scalar?.value == expected, "\(dtype) packed")
            #expect(scalar?.encoding == .tensor(dtype, fromContent: false))
        }
    }

    @Test("half-precision values as FORMAT §4.2 reads them")
    func halfValues() {
        let cases: [(UInt16, Double)] = [
            (0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x3BEC, 0.990234375),
            (0x0001, 0x1p-24), (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        for (bits, expected) in cases { #expect(TensorScalar.halfToDouble(bits) == expected) }
        #expect(TensorScalar.halfToDouble(0x7E00).isNaN)
        let negativeZero = TensorScalar.halfToDouble(0x8000)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(TensorScalar.bfloat16ToDouble(0xC000) == -2)
    }

    @Test("shapes: one element of any rank accepted, rank 0 only in strict mode, others rejected")
    func shapes() throws {
        func tensor(shape: [Int64]?, unknownRank: Bool = false) -> [UInt8] {
            var t = Bytes()
            t.varint(1, 1)
            if let shape {
                var s = Bytes(data: Bytes.shape(shape))
                if unknownRank { s.varint(3, 1) }
                t.bytes(2, s.data)
            }
            t.bytes(4, le(Float(3).bitPattern))
            return t.data
        }
        #expect(try decode(tensor(shape: nil))?.value == 3)      // tensorboardX new_style: no shape
        #expect(try decode(tensor(shape: []))?.value == 3)
        #expect(try decode(tensor(shape: [1]))?.value == 3)
        #expect(try decode(tensor(shape: [1, 1]))?.value == 3)
        #expect(try decode(tensor(shape: [1]), rankZero: true) == nil)
        #expect(try decode(tensor(shape: []), rankZero: true)?.value == 3)
        #expect(try decode(tensor(shape: [2])) == nil)
        #expect(try decode(tensor(shape: [0])) == nil)
        #expect(try decode(tensor(shape: [-1])) == nil)
        #expect(try decode(tensor(shape: [], unknownRank: true)) == nil)
    }

    @Test("not scalars: strings, complex, wrong content width, empty or long lists")
    func rejected() throws {
        var string = Bytes()
        string.varint(1, 7)
        string.bytes(8, Array("hi".utf8))
        #expect(try decode(string.data) == nil)

        var complex = Bytes()
        complex.varint(1, 8)
        complex.bytes(4, [UInt8](repeating: 0, count: 8))
        #expect(try decode(complex.data) == nil)

        var wrongWidth = Bytes()
        wrongWidth.varint(1, 1)
        wrongWidth.bytes(4, [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try decode(wrongWidth.data) == nil)

        var empty = Bytes()
        empty.varint(1, 1)
        #expect(try decode(empty.data) == nil)

        var two = Bytes()
        two.varint(1, 1)
        two.bytes(5, le(Float(1).bitPattern) + le(Float(2).bitPattern))
        #expect(try decode(two.data) == nil)

        var wrongList = Bytes()  // a DT_DOUBLE tensor holding a float_val list
        wrongList.varint(1, 2)
        wrongList.fixed32(5, Float(1).bitPattern)
        #expect(try decode(wrongList.data) == nil)
    }

    @Test("malformed tensor bytes throw instead of trapping")
    func malformed() {
        #expect(throws: ProtoDecodingError.self) { try decode([0x22, 0x10, 0x01]) }
    }
}
