// Static cost figures of a graph: parameter count, multiply-accumulates per op (weight MACs, the
// convention of STUNET.md §5: output elements × input channels × kernel volume) and activation sizes.

public struct GraphStatistics: Sendable {
  public struct OpCost: Sendable {
    public var result: String
    public var op: String
    public var type: TensorType
    public var macs: Int
  }

  public var parameterCount: Int
  public var parameterTensorCount: Int
  public var ops: [OpCost]
  public var totalMACs: Int { ops.reduce(0) { $0 + $1.macs } }
  /// Sum of all intermediate value sizes in bytes (what "keep everything" would need).
  public var activationBytes: Int
  /// Largest single value in bytes.
  public var largestActivationBytes: Int

  public init(_ graph: Graph) {
    let parameters = graph.parameterTypes
    parameterCount = graph.parameters.reduce(0) { $0 + ($1.type.elementCount ?? 0) }
    parameterTensorCount = graph.parameters.count
    let values = graph.valueTypes
    var ops: [OpCost] = []
    var activation = 0
    var largest = 0
    for node in graph.nodes {
      let type = node.resultTypes.first ?? TensorType(.f32, [])
      let macs = ConvolutionCost.multiplyAccumulates(node, parameters: parameters, values: values)
      ops.append(OpCost(result: node.result, op: node.op, type: type, macs: macs))
      for result in node.resultTypes { activation += result.byteCount ?? 0 }
      largest = max(largest, node.resultTypes.map { $0.byteCount ?? 0 }.max() ?? 0)
    }
    self.ops = ops
    activationBytes = activation
    largestActivationBytes = largest
  }
}
