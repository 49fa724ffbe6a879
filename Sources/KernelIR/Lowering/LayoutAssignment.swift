// Chooses the layout of every value once, at the graph boundary, and propagates it: graph inputs
// and outputs stay row-major NCDHW (what callers hand in and read back), every other 5-D f32
// activation is channel-blocked with the target's vector width (NCDHW8c for AVX2), unless a
// consumer works along a non-channel axis (softmax, argmax, concat), which reads row-major.
// Kernels read and write any of these layouts, so no conversion kernel is ever needed at the
// boundary: the first conv reads NCDHW, the head writes NCDHW.

import GraphIR

enum LayoutAssignment {
  static func assign(_ graph: Graph, target: TargetDescription) -> [String: Layout] {
    let block = target.vectorWidth
    var needsRowMajor = Set(graph.inputs.map(\.name)).union(graph.outputs)
    for node in graph.nodes {
      switch node.kind {
      case .softmax, .argmax, .concat:
        if node.attributes["axis"]?.intValue != 1 {
          needsRowMajor.formUnion(node.operands.compactMap(\.valueName))
          needsRowMajor.formUnion(node.results)
        }
      default: break
      }
    }
    var layouts: [String: Layout] = [:]
    for (name, type) in graph.valueTypes {
      let blockable = block > 1 && type.rank == 5 && type.dtype == .f32 && !needsRowMajor.contains(name)
      layouts[name] = blockable ? .channelBlocked(block) : .rowMajor
    }
    return layouts
  }
}
