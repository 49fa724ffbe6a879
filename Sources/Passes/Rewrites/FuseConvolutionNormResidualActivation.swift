// Fuses the second half of a residual block, conv → instance_norm → add(residual) → leaky_relu,
// into one fused_conv3d with a residual operand (DESIGN.md §3.5):
//
//   %c = conv3d(%y, @w, @b)                   %act2 = fused_conv3d(%y, @w, @b, @g, @be, %s)
//   %n = instance_norm(%c, @g, @be) {eps}  ==>    {eps, has_bias = true, has_residual = true,
//   %a = add(%n, %s)                               inputs = 1, slope, stride, padding}
//   %act2 = leaky_relu(%a) {slope}
//
// Matched only when %c, %n and %a each have that single use (and are not outputs); the norm must
// be affine. The add may hold the norm as either operand (fp addition is commutative, so
// add(%s, %n) == add(%n, %s) bit for bit). The fused node takes the activation's name and place,
// so later uses are untouched. Exact: the interpreter evaluates fused_conv3d as this composition.
import GraphIR

public struct FuseConvolutionNormResidualActivation: GraphPass {
  public let name = "fuse-conv-norm-residual-act"
  public let summary = "fuse conv + instance_norm + add(residual) + leaky_relu into fused_conv3d"

  public init() {}

  public func run(_ graph: inout Graph) throws {
    while let match = findMatch(graph) {
      graph.nodes[match.activation] = match.fused
      graph.removeNodes(match.absorbed)
    }
  }

  func findMatch(_ graph: Graph) -> (activation: Int, fused: Node, absorbed: Set<Int>)? {
    let uses = UseIndex(graph)
    let producers = graph.definingNode
    for (index, activation) in graph.nodes.enumerated() where activation.kind == .leakyRelu {
      guard let sum = activation.operands.first?.valueName, uses.soleUser(of: sum) == index,
        let (addIndex, add) = graph.producer(of: sum, in: producers), add.kind == .add, add.operands.count == 2
      else { continue }
      for side in 0..<2 {
        guard let normalized = add.operands[side].valueName, add.operands[1 - side] != add.operands[side],
          uses.soleUser(of: normalized) == addIndex,
          let (normIndex, norm) = graph.producer(of: normalized, in: producers),
          let affine = norm.affineInstanceNorm, let eps = norm.attributes["eps"],
          let convolved = affine.input.valueName, uses.soleUser(of: convolved) == normIndex,
          let (convolutionIndex, convolution) = graph.producer(of: convolved, in: producers),
          convolution.kind == .conv3d, let type = activation.resultType
        else { continue }
        let fused = FusedConvolutionNode.make(
          convolution: convolution, norm: .init(gamma: affine.gamma, beta: affine.beta, eps: eps),
          residual: add.operands[1 - side], slope: activation.attributes["slope"], result: activation.result,
          type: type)
        return (index, fused, [convolutionIndex, normIndex, addIndex])
      }
    }
    return nil
  }
}
