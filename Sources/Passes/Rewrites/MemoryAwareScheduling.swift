// Reorders ops so that the estimated peak of live activation bytes (LivenessEstimate) is low
// (DESIGN.md §3.7, graph-level part). Idea: greedy list scheduling — among the ops whose operands
// are ready, run the one that frees the most bytes net of what it allocates (ties: the earlier op
// in the current order); the result replaces the current order only if its peak is lower, so the
// pass never makes the estimate worse. On the fused STU-Net the order is essentially forced (a
// chain with skip connections) and the pass confirms it; on unfused or hand-written graphs it
// moves e.g. a residual block's shortcut conv next to its use. Exact: only the order changes.
import GraphIR

public struct MemoryAwareScheduling: GraphPass {
  public let name = "schedule-memory"
  public let summary = "reorder ops to lower the peak of live activation bytes (never raises it)"

  public init() {}

  public func run(_ graph: inout Graph) throws {
    guard let order = greedyOrder(graph) else {
      throw PassError.invalidGraph(pass: name, message: "the ops cannot be ordered (an operand is undefined or cyclic)")
    }
    var candidate = graph
    candidate.nodes = order.map { graph.nodes[$0] }
    if LivenessEstimate(candidate).peakBytes < LivenessEstimate(graph).peakBytes {
      graph = candidate
    }
  }

  /// A topological order of the nodes chosen greedily by net freed bytes; nil if none exists.
  func greedyOrder(_ graph: Graph) -> [Int]? {
    let producers = graph.definingNode
    let values = graph.valueTypes
    let outputs = Set(graph.outputs)
    // Sizes that overflow count as Int.max and sums saturate, so absurd shapes cannot trap here.
    func bytes(_ name: String) -> Int { values[name].map { $0.byteCount ?? .max } ?? 0 }
    let count = graph.nodes.count
    var waitingOn = [Int](repeating: 0, count: count)
    var dependents = [[Int]](repeating: [], count: count)
    var remainingUses: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      var producersOfNode = Set<Int>()
      for operand in node.operands {
        guard let name = operand.valueName else { continue }
        remainingUses[name, default: 0] += 1
        if let producer = producers[name] {
          guard producer != index else { return nil }
          producersOfNode.insert(producer)
        }
      }
      waitingOn[index] = producersOfNode.count
      for producer in producersOfNode { dependents[producer].append(index) }
    }
    var ready = Set((0..<count).filter { waitingOn[$0] == 0 })
    var order: [Int] = []
    while !ready.isEmpty {
      var best: (score: Int, index: Int)?
      for index in ready {
        let node = graph.nodes[index]
        var usesHere: [String: Int] = [:]
        for operand in node.operands { if let name = operand.valueName { usesHere[name, default: 0] += 1 } }
        var freed = 0
        for (name, uses) in usesHere where remainingUses[name] == uses && !outputs.contains(name) {
          freed = SaturatingSize.add(freed, bytes(name))
        }
        let allocated = SaturatingSize.sum(node.results.map(bytes))
        let score = SaturatingSize.subtract(freed, allocated)
        if let current = best, (score, -index) <= (current.score, -current.index) { continue }
        best = (score, index)
      }
      guard let chosen = best?.index else { break }
      ready.remove(chosen)
      order.append(chosen)
      for operand in graph.nodes[chosen].operands {
        if let name = operand.valueName { remainingUses[name, default: 1] -= 1 }
      }
      for dependent in dependents[chosen] {
        waitingOn[dependent] -= 1
        if waitingOn[dependent] == 0 { ready.insert(dependent) }
      }
    }
    return order.count == count ? order : nil
  }
}
