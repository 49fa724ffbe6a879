// softmax along one axis: y = exp(x - max) / sum(exp(x - max)), the max taken along the axis.
// The exponentials and their sum are computed in Float64 and each result rounded to fp32 once.

import Foundation
import TensorCore

extension ReferenceOps {
  /// Softmax of `x` along `axis` (negative counts from the end).
  public static func softmax(_ x: Tensor, axis: Int) throws -> Tensor {
    let layout = try AxisLayout(x.shape, axis: axis, op: "softmax")
    let count = x.count
    let data = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      x.data.withUnsafeBufferPointer { input in
        guard let source = input.baseAddress, let destination = output.baseAddress else { return }
        layout.forEachBlock { o, range in
          var maxima = [Float](repeating: -.infinity, count: range.count)
          var sums = [Double](repeating: 0, count: range.count)
          let base = o * layout.axisSize * layout.inner
          for a in 0..<layout.axisSize {
            let row = source + base + a * layout.inner + range.lowerBound
            for j in 0..<range.count { maxima[j] = max(maxima[j], row[j]) }
          }
          for a in 0..<layout.axisSize {
            let row = source + base + a * layout.inner + range.lowerBound
            for j in 0..<range.count { sums[j] += exp(Double(row[j]) - Double(maxima[j])) }
          }
          for a in 0..<layout.axisSize {
            let offset = base + a * layout.inner + range.lowerBound
            for j in 0..<range.count {
              destination[offset + j] = Float(exp(Double(source[offset + j]) - Double(maxima[j])) / sums[j])
            }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: x.shape, data: data)
  }
}
