// Maps each Graph IR op to its reference implementation in `ReferenceOps`. Fused ops are
// evaluated as the composition they stand for, so the interpreter checks every fusion pass.
import GraphIR
import TensorCore

public enum OpSemantics {
  public static func evaluate(_ node: Node, _ operands: [Tensor]) throws -> Tensor {
    guard let kind = node.kind else { throw InterpreterError.unsupported("unknown op '\(node.op)'") }
    let attributes = node.attributes
    func ints(_ name: String) -> [Int] { attributes[name]?.intsValue ?? [] }
    func float(_ name: String) -> Float { Float(attributes[name]?.floatValue ?? 0) }
    func int(_ name: String) -> Int { attributes[name]?.intValue ?? 0 }
    switch kind {
    case .conv3d:
      return try ReferenceOps.conv3d(
        operands[0], weight: operands[1], bias: operands.count > 2 ? operands[2] : nil, stride: ints("stride"),
        padding: ints("padding"))
    case .instanceNorm:
      return try ReferenceOps.instanceNorm(
        operands[0], gamma: operands.count > 1 ? operands[1] : nil, beta: operands.count > 2 ? operands[2] : nil,
        eps: float("eps"))
    case .leakyRelu:
      return ReferenceOps.leakyRelu(operands[0], slope: float("slope"))
    case .add:
      return try ReferenceOps.add(operands[0], operands[1])
    case .upsampleNearest:
      return try ReferenceOps.upsampleNearest(operands[0], scale: ints("scale"))
    case .concat:
      return try ReferenceOps.concat(operands, axis: int("axis"))
    case .softmax:
      return try ReferenceOps.softmax(operands[0], axis: int("axis"))
    case .argmax:
      return try ReferenceOps.argmax(operands[0], axis: int("axis"))
    case .fusedConv3d:
      let roles = ShapeInference.FusedConvolutionOperands(attributes: attributes)
      let input =
        roles.inputs.count == 1
        ? operands[roles.inputs.lowerBound] : try ReferenceOps.concat(Array(operands[roles.inputs]), axis: 1)
      var result = try ReferenceOps.conv3d(
        input, weight: operands[roles.weight], bias: roles.bias.map { operands[$0] }, stride: ints("stride"),
        padding: ints("padding"))
      if let gamma = roles.gamma, let beta = roles.beta {
        result = try ReferenceOps.instanceNorm(result, gamma: operands[gamma], beta: operands[beta], eps: float("eps"))
      }
      if let residual = roles.residual { result = try ReferenceOps.add(result, operands[residual]) }
      if attributes["slope"] != nil { result = ReferenceOps.leakyRelu(result, slope: float("slope")) }
      return result
    }
  }
}
