// Dead-code elimination: removes every op whose results reach no graph output. On STU-Net this
// removes the four deep-supervision heads `seg_outputs.0..3` (inference returns only
// `seg_outputs.<last>`, DESIGN.md §3.1) and anything else left unused by other rewrites.
// Idea: one backward sweep over the schedule, marking the operands of live ops live.
// Parameters stay declared even when no op uses them any more: a full checkpoint (all five heads,
// all conv biases) still binds by name, and loaders can ask `Graph.usedParameterNames` for the
// weights that matter. Graph inputs stay too (they are the interface). Exact: no value changes.
import GraphIR

public struct DeadCodeElimination: GraphPass {
  public let name = "dce"
  public let summary = "remove ops whose results reach no graph output (unused deep-supervision heads)"

  public init() {}

  public func run(_ graph: inout Graph) throws {
    var live = Set(graph.outputs)
    var dead = Set<Int>()
    for index in graph.nodes.indices.reversed() {
      let node = graph.nodes[index]
      guard node.results.contains(where: live.contains) else {
        dead.insert(index)
        continue
      }
      for operand in node.operands {
        if let name = operand.valueName { live.insert(name) }
      }
    }
    graph.removeNodes(dead)
  }
}
