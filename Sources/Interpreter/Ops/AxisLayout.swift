// The (outer, axis, inner) view of a row-major tensor used by the ops that reduce or normalise
// along one axis (softmax, argmax): element (o, a, i) sits at (o * axisSize + a) * inner + i.

import TensorCore

struct AxisLayout {
  let axis: Int
  let outer: Int
  let axisSize: Int
  let inner: Int

  init(_ shape: [Int], axis: Int, op: String) throws {
    try ReferenceOps.requireValidShape(shape, op: op, operand: "input")
    self.axis = try ReferenceOps.normalizedAxis(axis, rank: shape.count, op: op)
    outer = ReferenceOps.product(shape, 0..<self.axis)
    axisSize = shape[self.axis]
    inner = ReferenceOps.product(shape, (self.axis + 1)..<shape.count)
  }

  /// Inner positions handled together by one task.
  static let innerBlock = 512

  /// Calls `body(o, innerRange)` for every outer index and block of inner positions, in parallel.
  func forEachBlock(_ body: (Int, Range<Int>) -> Void) {
    let blocks = (inner + AxisLayout.innerBlock - 1) / AxisLayout.innerBlock
    ParallelFor.run(outer * blocks) { tasks in
      for task in tasks {
        let o = task / blocks
        let start = (task % blocks) * AxisLayout.innerBlock
        body(o, start..<min(start + AxisLayout.innerBlock, inner))
      }
    }
  }
}
