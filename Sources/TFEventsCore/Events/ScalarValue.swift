/// One scalar read from a `Summary.Value`, as a `Double`, with the encoding
/// it came from (so callers can tell float32 rounding apart).
public struct ScalarValue: Hashable, Sendable {
    /// Where a scalar was found in the `Summary.Value`.
    public enum Encoding: Hashable, Sendable, CustomStringConvertible {
        /// TF1 / tensorboardX `simple_value` (float32).
        case simpleValue
        /// A size-1 `tensor` of this dtype; `fromContent` tells whether the
        /// value came from `tensor_content` rather than a typed list.
        case tensor(DataType, fromContent: Bool)

        /// `simple_value`, or `tensor:DT_FLOAT` (`+content`).
        public var description: String {
            switch self {
            case .simpleValue: return "simple_value"
            case let .tensor(type, fromContent): return "tensor:\(type)" + (fromContent ? "+content" : "")
            }
        }

        /// The dtype the value was stored with: `DT_FLOAT` for `simple_value`.
        public var dataType: DataType {
            switch self {
            case .simpleValue: return .float
            case .tensor(let type, _): return type
            }
        }
    }

    /// The value, NaN and infinities preserved bit for bit.
    public var value: Double
    /// Where it came from.
    public var encoding: Encoding

    /// A value and its encoding.
    public init(value: Double, encoding: Encoding) {
        self.value = value
        self.encoding = encoding
    }
}
