// Element-wise ops: leaky_relu (PyTorch's LeakyReLU: x if x > 0 else slope * x) and add of two
// tensors of identical shape (STU-Net's residual add; no broadcasting).

import TensorCore

extension ReferenceOps {
  /// `x > 0 ? x : slope * x` for every element (NaN stays NaN).
  public static func leakyRelu(_ x: Tensor, slope: Float) -> Tensor {
    map(x) { value in value > 0 ? value : value * slope }
  }

  /// Element-wise `a + b`; the shapes must be equal.
  public static func add(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard a.shape == b.shape else {
      throw ReferenceOpError.shapeMismatch(
        op: "add", what: "both operands must have the same shape (no broadcasting)", expected: a.shape, actual: b.shape)
    }
    let count = a.count
    let data = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      a.data.withUnsafeBufferPointer { left in
        b.data.withUnsafeBufferPointer { right in
          guard let l = left.baseAddress, let r = right.baseAddress, let o = output.baseAddress else { return }
          ParallelFor.run(count, minimumPerTask: 1 << 16) { range in
            for i in range { o[i] = l[i] + r[i] }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: a.shape, data: data, dtype: a.dtype)
  }

  /// Applies `transform` to every element, in parallel for large tensors.
  static func map(_ x: Tensor, _ transform: (Float) -> Float) -> Tensor {
    let count = x.count
    let data = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      x.data.withUnsafeBufferPointer { input in
        guard let source = input.baseAddress, let destination = output.baseAddress else { return }
        ParallelFor.run(count, minimumPerTask: 1 << 16) { range in
          for i in range { destination[i] = transform(source[i]) }
        }
      }
      initialized = count
    }
    return Tensor(shape: x.shape, data: data, dtype: x.dtype)
  }
}
