// A dense, row-major (C-order) tensor of 32-bit floats: the value type that flows between the
// checkpoint reader, the interpreter, the backends and the segmentation pipeline.
// Sizes are Swift `Int`, which is 64 bits on every supported platform (a 512x512x600 CT with
// 105 classes has more than 2^31 elements).

/// Element type a tensor *represents*. Storage is always `Float`; integer tensors (labels,
/// argmax indices) hold exact small integers and are written back as integers by the file formats.
public enum DType: String, Sendable, CaseIterable {
  case f32
  case f16
  case i64
  case i32
  case u8

  public var byteSize: Int {
    switch self {
    case .f32, .i32: return 4
    case .f16: return 2
    case .i64: return 8
    case .u8: return 1
    }
  }
}

public struct Tensor: Equatable, Sendable {
  public var shape: [Int]
  public var data: [Float]
  public var dtype: DType

  public init(shape: [Int], data: [Float], dtype: DType = .f32) {
    precondition(data.count == Tensor.elementCount(shape), "Tensor: data count does not match shape")
    self.shape = shape
    self.data = data
    self.dtype = dtype
  }

  /// Validating initialiser for data derived from input files.
  public init(validatingShape shape: [Int], data: [Float], dtype: DType = .f32) throws {
    guard shape.allSatisfy({ $0 >= 0 }) else {
      throw TensorError.invalidShape(shape, "negative dimension")
    }
    guard let count = Tensor.checkedElementCount(shape), count == data.count else {
      throw TensorError.invalidShape(shape, "holds \(data.count) elements")
    }
    self.shape = shape
    self.data = data
    self.dtype = dtype
  }

  public init(zeros shape: [Int], dtype: DType = .f32) {
    self.init(shape: shape, data: [Float](repeating: 0, count: Tensor.elementCount(shape)), dtype: dtype)
  }

  public var count: Int { data.count }
  public var rank: Int { shape.count }

  public static func elementCount(_ shape: [Int]) -> Int {
    shape.reduce(1, *)
  }

  /// Element count, or nil when it overflows 64 bits or a dimension is negative.
  public static func checkedElementCount(_ shape: [Int]) -> Int? {
    var total = 1
    for dim in shape {
      guard dim >= 0 else { return nil }
      let (product, overflow) = total.multipliedReportingOverflow(by: dim)
      if overflow { return nil }
      total = product
    }
    return total
  }

  /// Row-major strides in elements.
  public static func strides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[axis] = running
      running *= shape[axis]
    }
    return strides
  }

  public func reshaped(_ newShape: [Int]) throws -> Tensor {
    guard Tensor.checkedElementCount(newShape) == count else {
      throw TensorError.invalidShape(newShape, "cannot reshape \(shape) to it")
    }
    return Tensor(shape: newShape, data: data, dtype: dtype)
  }
}

public enum TensorError: Error, CustomStringConvertible, Equatable {
  case invalidShape([Int], String)
  case shapeMismatch(expected: [Int], actual: [Int], context: String)

  public var description: String {
    switch self {
    case .invalidShape(let shape, let why):
      return "invalid tensor shape \(shape): \(why)"
    case .shapeMismatch(let expected, let actual, let context):
      return "\(context): expected shape \(expected), got \(actual)"
    }
  }
}
