// Commutes nearest upsampling with a following 1×1×1, stride-1, unpadded convolution:
// conv1x1(upsample_nearest(x)) == upsample_nearest(conv1x1(x)), so the conv runs at low
// resolution with s_d·s_h·s_w times fewer MACs (DESIGN.md §3.3, STUNET.md §2.2).
// Exact, bit for bit: every output voxel of the upsampled conv is the dot product of the same
// input voxel with the same weights, and the reference pointwise kernel computes a voxel with an
// instruction sequence that does not depend on its position (Interpreter PointwiseConvolution).
//
//   %up = upsample_nearest(%x) {scale}          %conv = conv3d(%x, @w, @b)      (low resolution)
//   %conv = conv3d(%up, @w, @b)           ==>   %up = upsample_nearest(%conv) {scale}
//   ... uses of %conv ...                       ... uses of %up ...
//
// The conv keeps its name (now the low-resolution value) and the upsample keeps its name (now the
// high-resolution result); later uses and outputs are renamed. If the old upsample has other
// users it stays, and the new one gets a fresh name. Plain fused_conv3d (bias only) counts too.
import GraphIR

public struct CommuteUpsamplePointwiseConvolution: GraphPass {
  public let name = "commute-upsample-conv"
  public let summary = "run a 1x1x1 conv before the nearest upsampling that feeds it (exact, s^3 fewer MACs)"

  public init() {}

  public func run(_ graph: inout Graph) throws {
    while let match = findMatch(graph) {
      try rewrite(&graph, convolution: match.convolution, upsample: match.upsample)
    }
  }

  func findMatch(_ graph: Graph) -> (convolution: Int, upsample: Int)? {
    let producers = graph.definingNode
    let parameters = graph.parameterTypes
    let values = graph.valueTypes
    for (index, node) in graph.nodes.enumerated() where node.isPlainConvolution {
      guard let input = node.operands.first?.valueName,
        let (upsampleIndex, upsample) = graph.producer(of: input, in: producers),
        upsample.kind == .upsampleNearest, node.attributes["stride"]?.intsValue == [1, 1, 1],
        node.attributes["padding"]?.intsValue == [0, 0, 0, 0, 0, 0],
        node.convolutionKernel(parameters: parameters, values: values) == [1, 1, 1]
      else { continue }
      return (index, upsampleIndex)
    }
    return nil
  }

  func rewrite(_ graph: inout Graph, convolution index: Int, upsample upsampleIndex: Int) throws {
    let convolution = graph.nodes[index]
    let upsample = graph.nodes[upsampleIndex]
    guard let lowInput = upsample.operands.first, let kind = convolution.kind else {
      throw PassError.invalidGraph(pass: name, message: "upsample_nearest %\(upsample.result) has no operand")
    }
    var lowConvolution = convolution
    lowConvolution.operands[0] = lowInput
    let values = graph.valueTypes
    guard let operandTypes = graph.operandTypes(of: lowConvolution, values: values, parameters: graph.parameterTypes)
    else {
      throw PassError.invalidGraph(pass: name, message: "an operand of %\(convolution.result) is undefined")
    }
    lowConvolution.resultTypes = try ShapeInference.resultTypes(
      kind, operands: operandTypes, attributes: convolution.attributes, location: "\(convolution.op) %\(convolution.result)")

    let uses = UseIndex(graph)
    let upsampleStays = uses.useCount(upsample.result) > 1
    var newUpsample = upsample
    newUpsample.operands = [.value(convolution.result)]
    newUpsample.resultTypes = convolution.resultTypes
    if upsampleStays {
      newUpsample.results = [graph.freshValueName(upsample.result)]
    }
    let newName = newUpsample.result
    graph.nodes[index] = lowConvolution
    graph.renameUses(of: convolution.result, to: newName, from: index + 1)
    graph.nodes.insert(newUpsample, at: index + 1)
    if !upsampleStays { graph.removeNodes([upsampleIndex]) }
  }
}
