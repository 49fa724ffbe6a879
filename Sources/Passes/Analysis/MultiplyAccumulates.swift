// Multiply-accumulate counts of conv3d and fused_conv3d ops (weight MACs, STUNET.md §5: output
// elements × input channels × kernel volume; FLOPs = 2 × MACs), and the before/after report of
// `stunetc info --optimized`. The per-op count is GraphIR's ConvolutionCost, shared with GraphStatistics.
import GraphIR

public enum MultiplyAccumulates {
  /// MACs of one op: nonzero for conv3d and fused_conv3d (for a multi-input fused conv the weight
  /// spans all concatenated input channels, so the formula is unchanged).
  public static func count(_ node: Node, parameters: [String: TensorType], values: [String: TensorType]) -> Int {
    ConvolutionCost.multiplyAccumulates(node, parameters: parameters, values: values)
  }

  /// MACs of every op, by result name, in schedule order.
  public static func perNode(_ graph: Graph) -> [(result: String, op: String, macs: Int)] {
    let parameters = graph.parameterTypes
    let values = graph.valueTypes
    return graph.nodes.map { ($0.result, $0.op, count($0, parameters: parameters, values: values)) }
  }

  /// Total MACs of the graph.
  public static func total(_ graph: Graph) -> Int {
    perNode(graph).reduce(0) { LivenessEstimate.adding($0, $1.macs) }
  }
}

/// MACs of a graph before and after optimisation.
public struct MACReport: Sendable, CustomStringConvertible {
  public var before: Int
  public var after: Int

  public init(original: Graph, optimized: Graph) {
    before = MultiplyAccumulates.total(original)
    after = MultiplyAccumulates.total(optimized)
  }

  public var saved: Int { before - after }
  /// after / before (1 when the original has no MACs).
  public var ratio: Double { before > 0 ? Double(after) / Double(before) : 1 }

  public var description: String {
    func giga(_ value: Int) -> String {
      let scaled = (Double(value) / 1e9 * 1000).rounded() / 1000
      return "\(scaled) G"
    }
    let percent = (Double(saved) / Double(max(before, 1)) * 1000).rounded() / 10
    return "MACs before optimisation \(giga(before)), after \(giga(after)) (saved \(giga(saved)), \(percent)%)"
  }
}
