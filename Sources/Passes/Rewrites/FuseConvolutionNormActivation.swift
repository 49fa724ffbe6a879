// Fuses conv → instance_norm → leaky_relu (the first half of a residual block) into one
// fused_conv3d (DESIGN.md §3.5). The kernel level then computes the per-channel statistics in the
// conv's epilogue and applies normalisation, affine and LeakyReLU in one pass.
//
//   %c = conv3d(%x, @w, @b)                     %act1 = fused_conv3d(%x, @w, @b, @g, @be)
//   %n = instance_norm(%c, @g, @be) {eps}  ==>      {eps, has_bias = true, has_residual = false,
//   %act1 = leaky_relu(%n) {slope}                   inputs = 1, slope, stride, padding}
//
// Matched only when %c and %n have that single use and the norm is affine; the fused node takes
// the activation's name and place. Exact: the interpreter evaluates fused_conv3d as this
// composition. A norm followed by add + LeakyReLU is left to fuse-conv-norm-residual-act.
import GraphIR

public struct FuseConvolutionNormActivation: GraphPass {
  public let name = "fuse-conv-norm-act"
  public let summary = "fuse conv + instance_norm + leaky_relu into fused_conv3d"

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
      guard let normalized = activation.operands.first?.valueName, uses.soleUser(of: normalized) == index,
        let (normIndex, norm) = graph.producer(of: normalized, in: producers),
        let affine = norm.affineInstanceNorm, let eps = norm.attributes["eps"],
        let convolved = affine.input.valueName, uses.soleUser(of: convolved) == normIndex,
        let (convolutionIndex, convolution) = graph.producer(of: convolved, in: producers),
        convolution.kind == .conv3d, let type = activation.resultType
      else { continue }
      let fused = FusedConvolutionNode.make(
        convolution: convolution, norm: .init(gamma: affine.gamma, beta: affine.beta, eps: eps), residual: nil,
        slope: activation.attributes["slope"], result: activation.result, type: type)
      return (index, fused, [convolutionIndex, normIndex])
    }
    return nil
  }
}
