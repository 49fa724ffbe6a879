// Turns every remaining conv3d into a fused_conv3d that carries only the bias (the 1×1 shortcut
// `conv3`, the upsample conv, the segmentation head), so the kernel level sees one convolution
// op, and a concat in front of it can be folded (fold-concat-into-conv).
//
//   %s = conv3d(%x, @w, @b) {padding, stride}
//     ==>  %s = fused_conv3d(%x, @w, @b) {has_bias = true, has_residual = false, inputs = 1, padding, stride}
//
// Exact: a fused_conv3d without eps, slope or residual is the convolution itself.
import GraphIR

public struct FusePlainConvolution: GraphPass {
  public let name = "fuse-plain-conv"
  public let summary = "express every remaining conv3d as a fused_conv3d with only its bias"

  public init() {}

  public func run(_ graph: inout Graph) throws {
    for index in graph.nodes.indices where graph.nodes[index].kind == .conv3d {
      let convolution = graph.nodes[index]
      guard let type = convolution.resultType else {
        throw PassError.invalidGraph(pass: name, message: "conv3d %\(convolution.result) declares no result type")
      }
      graph.nodes[index] = FusedConvolutionNode.make(
        convolution: convolution, norm: nil, residual: nil, slope: nil, result: convolution.result, type: type)
    }
  }
}
