// Static cost figures of a graph: parameter count, multiply-accumulates per op (weight MACs, the
// convention of STUNET.md §5: output elements × input channels × kernel volume) and activation sizes.
// Every sum saturates at Int.max, and a size that overflows counts as Int.max (never as 0), so an
// unverified graph with absurd shapes gives "too large", not a trap or a small wrong number.

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
  /// Sum of the ops' MACs (Int.max when it does not fit).
  public var totalMACs: Int { SaturatingSize.sum(ops.map(\.macs)) }
  /// Sum of all intermediate value sizes in bytes (what "keep everything" would need).
  public var activationBytes: Int
  /// Largest single value in bytes.
  public var largestActivationBytes: Int
  /// True when some figure above was clamped at Int.max (a size or a sum overflowed).
  public var saturated: Bool {
    parameterCount == .max || activationBytes == .max || totalMACs == .max
  }

  public init(_ graph: Graph) {
    let parameters = graph.parameterTypes
    parameterCount = SaturatingSize.sum(graph.parameters.map { $0.type.elementCount ?? .max })
    parameterTensorCount = graph.parameters.count
    let values = graph.valueTypes
    var ops: [OpCost] = []
    var activation = ByteTally()
    var largest = 0
    for node in graph.nodes {
      let type = node.resultTypes.first ?? TensorType(.f32, [])
      let macs = ConvolutionCost.multiplyAccumulates(node, parameters: parameters, values: values)
      ops.append(OpCost(result: node.result, op: node.op, type: type, macs: macs))
      for result in node.resultTypes {
        let bytes = result.byteCount ?? .max
        activation.add(bytes)
        largest = max(largest, bytes)
      }
    }
    self.ops = ops
    activationBytes = activation.value
    largestActivationBytes = largest
  }
}
