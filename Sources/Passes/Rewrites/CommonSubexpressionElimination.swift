// Common-subexpression elimination: when two ops have the same kind, operands, attributes and
// result types, the later one is dropped and its uses read the earlier result. Every Graph IR op
// is a pure function of its operands, so this is exact. STU-Net as built by the DSL has no
// duplicates; the pass keeps hand-written or imported IR (`--ir FILE`) clean. Ops whose results
// are graph outputs are kept, so output names never change.
import GraphIR

public struct CommonSubexpressionElimination: GraphPass {
  public let name = "cse"
  public let summary = "replace an op identical to an earlier one (same operands and attributes) by the earlier result"

  public init() {}

  struct Key: Hashable {
    var op: String
    var operands: [Operand]
    var attributes: [String: Attribute]
    var resultTypes: [TensorType]
  }

  public func run(_ graph: inout Graph) throws {
    let outputs = Set(graph.outputs)
    var seen: [Key: [String]] = [:]
    var replacement: [String: String] = [:]
    var removed = Set<Int>()
    for index in graph.nodes.indices {
      var node = graph.nodes[index]
      node.operands = node.operands.map { operand in
        if let name = operand.valueName, let earlier = replacement[name] { return .value(earlier) }
        return operand
      }
      graph.nodes[index] = node
      let key = Key(op: node.op, operands: node.operands, attributes: node.attributes, resultTypes: node.resultTypes)
      if let earlier = seen[key], !node.results.contains(where: outputs.contains) {
        for (result, previous) in zip(node.results, earlier) { replacement[result] = previous }
        removed.insert(index)
      } else if seen[key] == nil {
        seen[key] = node.results
      }
    }
    graph.removeNodes(removed)
  }
}
