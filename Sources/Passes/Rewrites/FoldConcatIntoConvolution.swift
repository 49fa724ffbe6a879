// Folds a channel concat into the fused convolutions that read it (DESIGN.md §3.4): the conv
// takes the concatenated tensors as separate inputs (`inputs = k`) and computes one partial
// convolution per input over its slice of the weight's input channels, so no concat buffer is
// needed. The decoder's [upsampled, skip] concat feeds conv1 and the 1×1 shortcut conv3 of the
// first block; both read the two halves directly and the concat disappears.
//
//   %cat = concat(%up, %skip) {axis = 1}        %a = fused_conv3d(%up, %skip, @w1, ...) {inputs = 2, ...}
//   %a = fused_conv3d(%cat, @w1, ...)      ==>  %s = fused_conv3d(%up, %skip, @w3, ...) {inputs = 2, ...}
//   %s = fused_conv3d(%cat, @w3, ...)
//
// Only the convolution inputs are folded (not a residual operand); a concat keeps existing while
// any other op uses it. Exact: fused_conv3d's inputs are defined as concatenated along channels in
// order, and the weight keeps its checkpoint shape. Run after fuse-plain-conv (conv3d has no
// multi-input form).
import GraphIR

public struct FoldConcatIntoConvolution: GraphPass {
  public let name = "fold-concat-into-conv"
  public let summary = "let fused convs read the parts of a channel concat directly (no concat buffer)"
  /// Largest `inputs` a fused_conv3d may get (the op takes at most 70 operands).
  let maximumInputs = 64

  public init() {}

  public func run(_ graph: inout Graph) throws {
    while let (index, folded) = findMatch(graph) {
      let replacedConcats = graph.nodes[index].operands.compactMap(\.valueName)
      graph.nodes[index] = folded
      let uses = UseIndex(graph)
      let producers = graph.definingNode
      let unused = replacedConcats.filter { uses.useCount($0) == 0 }.compactMap { producers[$0] }
      graph.removeNodes(Set(unused))
    }
  }

  /// The first fused_conv3d with a channel-concat input, rewritten to read the concat's parts.
  func findMatch(_ graph: Graph) -> (Int, Node)? {
    let producers = graph.definingNode
    for (index, node) in graph.nodes.enumerated() where node.kind == .fusedConv3d {
      let roles = ShapeInference.FusedConvolutionOperands(attributes: node.attributes)
      guard roles.count == node.operands.count else { continue }
      var inputs: [Operand] = []
      var folded = false
      for operand in node.operands[roles.inputs] {
        if let name = operand.valueName, let (_, concat) = graph.producer(of: name, in: producers),
          concat.kind == .concat, concat.attributes["axis"]?.intValue == 1, concat.resultType?.rank == 5
        {
          inputs += concat.operands
          folded = true
        } else {
          inputs.append(operand)
        }
      }
      guard folded, inputs.count <= maximumInputs else { continue }
      var rewritten = node
      rewritten.operands = inputs + node.operands[roles.inputs.upperBound...]
      rewritten.attributes["inputs"] = .int(inputs.count)
      return (index, rewritten)
    }
    return nil
  }
}
