// argmax along one axis, the axis removed from the shape; the result has dtype .i64 and stores
// the indices as exact Float integers. Ties go to the lowest index (as numpy and torch); a NaN
// counts as the maximum, the first NaN winning (as numpy).

import TensorCore

extension ReferenceOps {
  /// Index of the largest value along `axis` (negative counts from the end).
  public static func argmax(_ x: Tensor, axis: Int) throws -> Tensor {
    let layout = try AxisLayout(x.shape, axis: axis, op: "argmax")
    guard layout.axisSize <= 1 << 24 else {
      throw ReferenceOpError.invalidShape(
        op: "argmax", operand: "input", shape: x.shape,
        reason: "axis size \(layout.axisSize) exceeds 2^24, so indices would not be exact in Float storage")
    }
    var outputShape = x.shape
    outputShape.remove(at: layout.axis)
    let count = layout.outer * layout.inner
    let data = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      x.data.withUnsafeBufferPointer { input in
        guard let source = input.baseAddress, let destination = output.baseAddress else { return }
        layout.forEachBlock { o, range in
          let base = o * layout.axisSize * layout.inner
          for j in range {
            var best = source[base + j]
            var bestIndex = 0
            if !best.isNaN {
              for a in 1..<max(layout.axisSize, 1) {
                let value = source[base + a * layout.inner + j]
                if value > best || value.isNaN {
                  best = value
                  bestIndex = a
                  if value.isNaN { break }
                }
              }
            }
            destination[o * layout.inner + j] = Float(bestIndex)
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: outputShape, data: data, dtype: .i64)
  }
}
