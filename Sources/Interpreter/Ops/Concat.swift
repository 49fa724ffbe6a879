// concat: joins tensors along one axis, in the order given (STU-Net's decoder concatenates
// [upsampled, skip] along channels). All operands must have the same rank and dtype, and equal
// sizes on every other axis.

import TensorCore

extension ReferenceOps {
  /// Concatenates `xs` along `axis` (negative counts from the end, as in numpy).
  public static func concat(_ xs: [Tensor], axis: Int) throws -> Tensor {
    let op = "concat"
    guard let first = xs.first else {
      throw ReferenceOpError.invalidAttribute(op: op, name: "inputs", value: "[]", reason: "needs at least one operand")
    }
    let axis = try normalizedAxis(axis, rank: first.rank, op: op)
    var outputShape = first.shape
    outputShape[axis] = 0
    for (index, x) in xs.enumerated() {
      var expected = first.shape
      expected[axis] = x.rank == first.rank ? x.shape[axis] : -1
      guard x.shape == expected else {
        throw ReferenceOpError.shapeMismatch(
          op: op, what: "operand \(index) must match operand 0 on every axis except \(axis)",
          expected: expected, actual: x.shape)
      }
      guard x.dtype == first.dtype else {
        throw ReferenceOpError.invalidAttribute(
          op: op, name: "dtype of operand \(index)", value: x.dtype.rawValue,
          reason: "differs from operand 0 (\(first.dtype.rawValue)); convert before concatenating")
      }
      outputShape[axis] += x.shape[axis]
    }
    guard let count = Tensor.checkedElementCount(outputShape) else {
      throw ReferenceOpError.invalidShape(op: op, operand: "output", shape: outputShape, reason: "element count overflows 64 bits")
    }
    let outer = product(first.shape, 0..<axis)
    let inner = product(first.shape, (axis + 1)..<first.rank)
    var data = [Float]()
    data.reserveCapacity(count)
    for o in 0..<outer {
      for x in xs {
        let block = x.shape[axis] * inner
        data.append(contentsOf: x.data[(o * block)..<((o + 1) * block)])
      }
    }
    return Tensor(shape: outputShape, data: data, dtype: first.dtype)
  }

  /// `axis` in `-rank..<rank`, returned in `0..<rank`.
  static func normalizedAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
    guard axis >= -rank, axis < rank else {
      throw ReferenceOpError.invalidAttribute(
        op: op, name: "axis", value: "\(axis)", reason: "must lie in \(-rank)..<\(rank) for a rank-\(rank) operand")
    }
    return axis < 0 ? axis + rank : axis
  }
}
