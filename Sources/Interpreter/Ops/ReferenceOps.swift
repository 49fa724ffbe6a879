// The reference semantics of every Graph IR operation, as free-standing functions on
// `TensorCore.Tensor` (row-major NCDHW, batch N >= 1). The interpreter executes graphs with these
// functions, and every other backend (LLVM JIT, AOT) is tested against them: they are the oracle.
//
// The functions are split over one file per op family (Conv3D*.swift, InstanceNorm.swift, ...).
// Every function validates its operands and attributes and throws `ReferenceOpError` instead of
// crashing; the heavy ones (conv3d, instance norm, softmax) are parallel and accurate
// (fp64 statistics, fp64 softmax sums, an fp64 direct convolution for tests).

import TensorCore

/// Namespace of the reference operations. See the individual files for each op's semantics.
public enum ReferenceOps {}

extension ReferenceOps {
  /// Number of spatial axes of an NC... tensor (3 for NCDHW).
  static func spatialRank(of shape: [Int]) -> Int { max(shape.count - 2, 0) }

  /// Checks that `shape` has `rank` axes, all of them positive, and that its element count fits an Int.
  static func requireShape(_ shape: [Int], rank: Int, op: String, operand: String) throws {
    guard shape.count == rank else {
      throw ReferenceOpError.rankMismatch(op: op, operand: operand, expectedRank: rank, shape: shape)
    }
    try requireValidShape(shape, op: op, operand: operand)
  }

  /// Checks that every dimension is positive and that the element count does not overflow.
  static func requireValidShape(_ shape: [Int], op: String, operand: String) throws {
    guard shape.allSatisfy({ $0 > 0 }), Tensor.checkedElementCount(shape) != nil else {
      throw ReferenceOpError.invalidShape(
        op: op, operand: operand, shape: shape, reason: "every dimension must be positive and the element count must fit 64 bits")
    }
  }

  /// Product of `shape[range]` (sizes already validated).
  static func product(_ shape: [Int], _ range: Range<Int>) -> Int {
    shape[range].reduce(1, *)
  }
}
