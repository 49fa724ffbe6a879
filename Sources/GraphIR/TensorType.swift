// Tensor types of the Graph IR: an element type and a static shape, printed as `f32[1,16,128,128,128]`.
// A valid type has non-negative dimensions and at most `maxByteCount` bytes (checked by shape
// inference and the verifier), so sums of sizes over a program's buffers cannot overflow Int.
import TensorCore

public struct TensorType: Hashable, Sendable, CustomStringConvertible {
  public var dtype: DType
  public var shape: [Int]

  public init(_ dtype: DType = .f32, _ shape: [Int]) {
    self.dtype = dtype
    self.shape = shape
  }

  public var rank: Int { shape.count }

  /// Number of elements; nil if the product overflows 64 bits.
  public var elementCount: Int? { Tensor.checkedElementCount(shape) }

  /// Size in bytes of a dense buffer of this type; nil on overflow.
  public var byteCount: Int? {
    guard let count = elementCount else { return nil }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
    return overflow ? nil : bytes
  }

  /// Sanity limit on one tensor: 2^48 bytes (256 TiB), far beyond any real volume, and small
  /// enough that sums over up to 32767 tensors stay inside Int64.
  public static let maxByteCount = 1 << 48

  /// Why this type is not a valid tensor type (a negative dimension, a size that overflows or
  /// exceeds `maxByteCount`), or nil when it is.
  public var sizeProblem: String? {
    if let negative = shape.first(where: { $0 < 0 }) { return "\(self) has a negative dimension \(negative)" }
    guard let count = elementCount else { return "the element count of \(self) overflows 64 bits" }
    guard let bytes = byteCount else { return "the byte size of \(self) (\(count) elements) overflows 64 bits" }
    guard bytes <= TensorType.maxByteCount else {
      return "\(self) takes \(bytes) bytes, over the limit of 2^48 bytes (256 TiB) per tensor"
    }
    return nil
  }

  /// Throws a `.size` GraphError at `location` when `sizeProblem` is not nil.
  public func checkSize(at location: String) throws {
    if let problem = sizeProblem {
      throw GraphError(.size, at: location, problem + "; use a smaller shape")
    }
  }

  public var description: String {
    "\(dtype.rawValue)[\(shape.map(String.init).joined(separator: ","))]"
  }
}
