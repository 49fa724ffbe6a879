// Weight multiply-accumulates of one op (STUNET.md §5 convention: output elements × input
// channels × kernel volume; FLOPs = 2 × MACs). Nonzero for conv3d and fused_conv3d. The single
// definition used by GraphStatistics, the passes' MAC report and the benchmarks.

public enum ConvolutionCost {
  /// MACs of `node`, or 0 for ops without weights; saturates at Int.max instead of overflowing.
  public static func multiplyAccumulates(
    _ node: Node, parameters: [String: TensorType], values: [String: TensorType]
  ) -> Int {
    let weightIndex: Int?
    switch node.kind {
    case .conv3d: weightIndex = 1
    case .fusedConv3d: weightIndex = ShapeInference.FusedConvolutionOperands(attributes: node.attributes).weight
    default: weightIndex = nil
    }
    guard let weightIndex, weightIndex < node.operands.count else { return 0 }
    let weight: TensorType?
    switch node.operands[weightIndex] {
    case .parameter(let name): weight = parameters[name]
    case .value(let name): weight = values[name]
    }
    guard let weight, weight.rank == 5, let result = node.resultType,
      !(result.shape + weight.shape).contains(where: { $0 < 0 })
    else { return 0 }
    // An element count that overflows is a cost that does too.
    guard var total = result.elementCount else { return Int.max }
    for size in weight.shape.dropFirst() {
      let (product, overflow) = total.multipliedReportingOverflow(by: size)
      if overflow { return Int.max }
      total = product
    }
    return total
  }
}
