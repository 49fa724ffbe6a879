// pad and slice: copy a tensor into a larger constant-filled one (explicit padding, used to check
// a convolution's built-in padding, case C29) or copy a box out of a tensor. Both walk the source
// box row by row (the innermost axis is contiguous) with a multi-index counter.

import TensorCore

extension ReferenceOps {
  /// Pads the spatial axes of `x` [N, C, spatial...]: `padding` has two values per spatial axis,
  /// before then after (D0, D1, H0, H1, W0, W1 for NCDHW), all >= 0, filled with `value`.
  public static func pad(_ x: Tensor, padding: [Int], value: Float = 0) throws -> Tensor {
    let op = "pad"
    guard x.rank >= 3 else {
      throw ReferenceOpError.rankMismatch(op: op, operand: "input", expectedRank: 5, shape: x.shape)
    }
    try requireValidShape(x.shape, op: op, operand: "input")
    let spatial = x.rank - 2
    guard padding.count == 2 * spatial, padding.allSatisfy({ $0 >= 0 }) else {
      throw ReferenceOpError.invalidAttribute(
        op: op, name: "padding", value: "\(padding)",
        reason: "needs \(2 * spatial) non-negative values (before and after for each spatial axis)")
    }
    var outputShape = x.shape
    var offsets = [Int](repeating: 0, count: x.rank)
    for axis in 0..<spatial {
      outputShape[2 + axis] += padding[2 * axis] + padding[2 * axis + 1]
      offsets[2 + axis] = padding[2 * axis]
    }
    guard let count = Tensor.checkedElementCount(outputShape) else {
      throw ReferenceOpError.invalidShape(op: op, operand: "output", shape: outputShape, reason: "element count overflows 64 bits")
    }
    var data = [Float](repeating: value, count: count)
    data.withUnsafeMutableBufferPointer { destination in
      x.data.withUnsafeBufferPointer { source in
        copyBox(
          size: x.shape, from: source, shape: x.shape, origin: [Int](repeating: 0, count: x.rank),
          to: destination, shape: outputShape, origin: offsets)
      }
    }
    return Tensor(shape: outputShape, data: data, dtype: x.dtype)
  }

  /// The box `lower[i] ..< upper[i]` of `x` on every axis (half-open, non-empty, within bounds).
  public static func slice(_ x: Tensor, lower: [Int], upper: [Int]) throws -> Tensor {
    let op = "slice"
    try requireValidShape(x.shape, op: op, operand: "input")
    guard lower.count == x.rank, upper.count == x.rank,
      (0..<x.rank).allSatisfy({ 0 <= lower[$0] && lower[$0] < upper[$0] && upper[$0] <= x.shape[$0] })
    else {
      throw ReferenceOpError.invalidAttribute(
        op: op, name: "lower/upper", value: "\(lower)/\(upper)",
        reason: "need one bound per axis with 0 <= lower < upper <= size (shape \(x.shape))")
    }
    let outputShape = zip(lower, upper).map { $1 - $0 }
    var data = [Float](repeating: 0, count: Tensor.elementCount(outputShape))
    data.withUnsafeMutableBufferPointer { destination in
      x.data.withUnsafeBufferPointer { source in
        copyBox(
          size: outputShape, from: source, shape: x.shape, origin: lower,
          to: destination, shape: outputShape, origin: [Int](repeating: 0, count: x.rank))
      }
    }
    return Tensor(shape: outputShape, data: data, dtype: x.dtype)
  }

  /// Copies a box of `size` starting at `sourceOrigin` in a row-major `sourceShape` buffer to
  /// `destinationOrigin` in a row-major `destinationShape` buffer (the box fits both; validated by callers).
  static func copyBox(
    size: [Int], from source: UnsafeBufferPointer<Float>, shape sourceShape: [Int], origin sourceOrigin: [Int],
    to destination: UnsafeMutableBufferPointer<Float>, shape destinationShape: [Int], origin destinationOrigin: [Int]
  ) {
    guard let sourceBase = source.baseAddress, let destinationBase = destination.baseAddress,
      let rowLength = size.last, !size.contains(0)
    else { return }
    let rank = size.count
    let sourceStrides = Tensor.strides(sourceShape)
    let destinationStrides = Tensor.strides(destinationShape)
    var index = [Int](repeating: 0, count: rank)
    let rows = size.dropLast().reduce(1, *)
    for _ in 0..<rows {
      var sourceOffset = 0
      var destinationOffset = 0
      for axis in 0..<rank {
        sourceOffset += (sourceOrigin[axis] + index[axis]) * sourceStrides[axis]
        destinationOffset += (destinationOrigin[axis] + index[axis]) * destinationStrides[axis]
      }
      (destinationBase + destinationOffset).update(from: sourceBase + sourceOffset, count: rowLength)
      // Advance the multi-index over all axes but the last.
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < size[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
  }
}
