// Tensor types of the Graph IR: an element type and a static shape, printed as `f32[1,16,128,128,128]`.
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

  public var description: String {
    "\(dtype.rawValue)[\(shape.map(String.init).joined(separator: ","))]"
  }
}
