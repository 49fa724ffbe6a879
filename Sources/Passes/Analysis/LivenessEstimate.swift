// A simple graph-level estimate of activation memory: walking the schedule, a value is live from
// the op that defines it (graph inputs from the start) through its last use (graph outputs to the
// end); while an op runs, its operands and its results are live. The peak of the sum of live
// bytes is what a planner without in-place reuse needs at least. Parameters (weights) are not
// counted. The kernel-level memory planner computes the real arena; this figure guides
// schedule-memory and reports.
import GraphIR

public struct LivenessEstimate: Sendable, CustomStringConvertible {
  /// Live bytes while each op runs (index = position in the schedule).
  public var liveBytesPerStep: [Int]
  /// Largest of `liveBytesPerStep` (the graph inputs alone when the graph has no op).
  public var peakBytes: Int
  /// Position of the op at the peak (nil when there is no op).
  public var peakStep: Int?
  /// Values live at the peak, by name.
  public var liveAtPeak: [String]

  public init(_ graph: Graph) {
    let values = graph.valueTypes
    // A size that overflows counts as Int.max; the running total is exact (ByteTally) and the
    // figures saturate at Int.max, so absurd shapes in unverified IR cannot trap here.
    func bytes(_ name: String) -> Int { values[name].map { $0.byteCount ?? .max } ?? 0 }
    let end = graph.nodes.count
    var lastUse: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      for operand in node.operands {
        if let name = operand.valueName { lastUse[name] = index }
      }
    }
    for output in graph.outputs { lastUse[output] = end }
    var live: [String: Int] = [:]
    var current = ByteTally()
    for input in graph.inputs where lastUse[input.name] != nil {
      live[input.name] = bytes(input.name)
      current.add(bytes(input.name))
    }
    var perStep: [Int] = []
    var peak = current
    var peakStep: Int?
    var liveAtPeak = Array(live.keys)
    for (index, node) in graph.nodes.enumerated() {
      for result in node.results {
        if let previous = live.updateValue(bytes(result), forKey: result) { current.remove(previous) }
        current.add(bytes(result))
      }
      perStep.append(current.value)
      if current > peak || peakStep == nil {
        peak = max(peak, current)
        peakStep = index
        liveAtPeak = Array(live.keys)
      }
      for name in Set(node.operands.compactMap(\.valueName) + node.results) where (lastUse[name] ?? index) <= index {
        if let size = live.removeValue(forKey: name) { current.remove(size) }
      }
    }
    liveBytesPerStep = perStep
    peakBytes = peak.value
    self.peakStep = peakStep
    let order = Dictionary(graph.inputs.map(\.name).enumerated().map { ($1, -1 - $0) }, uniquingKeysWith: min)
      .merging(graph.definingNode, uniquingKeysWith: min)
    self.liveAtPeak = liveAtPeak.sorted { (order[$0] ?? 0, $0) < (order[$1] ?? 0, $1) }
  }

  public var description: String {
    let at = peakStep.map { " at op \($0)" } ?? ""
    return "peak live activations \(peakBytes) bytes\(at): " + liveAtPeak.map { "%" + $0 }.joined(separator: ", ")
  }

  /// Saturating addition (sizes of absurd IR files must not trap).
  static func adding(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? Int.max : sum
  }
}
