// Drops the bias of a convolution whose result only feeds instance norms (DESIGN.md §3.2).
// Instance norm subtracts each channel's mean over all voxels, and a conv bias adds one constant
// per channel, so the bias cancels: IN(conv(x) + b) == IN(conv(x)) in exact arithmetic (the
// variance is unchanged too). In fp32 the two differ only by the rounding of `conv(x) + b`
// (relative ~1e-7 of |b| / std per value); dropping the bias is, if anything, more accurate.
// Tolerance: the interpreter results agree within the 1e-4 relative policy (Docs/passes.md).
// Also applies to a fused_conv3d that carries both a bias and the instance norm (eps).
// The bias parameter stays declared (unused), so a full checkpoint still binds.
import GraphIR

public struct DropBiasBeforeInstanceNorm: GraphPass {
  public let name = "drop-bias-before-norm"
  public let summary = "remove the bias of a conv feeding only instance norms (cancelled by the mean subtraction)"

  public init() {}

  public func run(_ graph: inout Graph) throws {
    let uses = UseIndex(graph)
    for index in graph.nodes.indices {
      let node = graph.nodes[index]
      switch node.kind {
      case .conv3d where node.operands.count == 3 && feedsOnlyInstanceNorms(node.result, graph, uses):
        graph.nodes[index].operands.removeLast()
      case .fusedConv3d where node.attributes["eps"] != nil:
        let roles = ShapeInference.FusedConvolutionOperands(attributes: node.attributes)
        guard let bias = roles.bias, bias < node.operands.count else { continue }
        graph.nodes[index].operands.remove(at: bias)
        graph.nodes[index].attributes["has_bias"] = .bool(false)
      default:
        continue
      }
    }
  }

  /// True when `value` is used at least once, only as the normalised input of instance norms.
  func feedsOnlyInstanceNorms(_ value: String, _ graph: Graph, _ uses: UseIndex) -> Bool {
    let users = uses.userNodes(of: value)
    guard !users.isEmpty, !uses.outputs.contains(value) else { return false }
    return users.allSatisfy { user in
      let node = graph.nodes[user]
      return node.kind == .instanceNorm && node.operands.first == .value(value)
        && !node.operands.dropFirst().contains(.value(value))
    }
  }
}
