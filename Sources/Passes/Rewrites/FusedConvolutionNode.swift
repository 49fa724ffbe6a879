// Builds fused_conv3d nodes from a conv3d and the ops absorbed into it, with operands in the
// order ShapeInference.FusedConvolutionOperands reads them:
//   x1..xk, weight, [bias], [gamma, beta], [residual]
// and attributes stride, padding, inputs = k, has_bias, eps (norm present), slope (LeakyReLU
// present), has_residual.
import GraphIR

enum FusedConvolutionNode {
  struct Norm {
    var gamma: Operand
    var beta: Operand
    var eps: Attribute
  }

  /// A fused node equal to `activation(norm(convolution) + residual)`, named `result`.
  /// `convolution` must be a conv3d (x, w[, b]).
  static func make(
    convolution: Node, norm: Norm?, residual: Operand?, slope: Attribute?, result: String, type: TensorType
  ) -> Node {
    var operands = Array(convolution.operands.prefix(3))
    var attributes: [String: Attribute] = [
      "inputs": .int(1), "has_bias": .bool(operands.count == 3), "has_residual": .bool(residual != nil),
    ]
    for key in ["stride", "padding"] { attributes[key] = convolution.attributes[key] }
    if let norm {
      operands += [norm.gamma, norm.beta]
      attributes["eps"] = norm.eps
    }
    if let residual { operands.append(residual) }
    if let slope { attributes["slope"] = slope }
    return Node(
      op: OpKind.fusedConv3d.rawValue, operands: operands, attributes: attributes, results: [result],
      resultTypes: [type])
  }
}
