// The reference interpreter for the Graph IR: runs any verified graph op by op with the
// straightforward semantics of `ReferenceOps`. It is the oracle for every pass and backend test
// and the fallback for ops a backend does not lower. Values are freed after their last use.
import GraphIR
import TensorCore

public enum InterpreterError: Error, CustomStringConvertible, Equatable {
  case missingInput(String, TensorType)
  case inputShape(String, expected: TensorType, actual: [Int])
  case missingParameter(String, TensorType)
  case parameterShape(String, expected: [Int], actual: [Int])
  case unsupported(String)

  public var description: String {
    switch self {
    case .missingInput(let name, let type):
      return "no value given for graph input %\(name) (\(type))"
    case .inputShape(let name, let expected, let actual):
      return "graph input %\(name) expects \(expected), got shape \(actual)"
    case .missingParameter(let name, let type):
      return "no weights for parameter @\(name) (\(type)): the checkpoint lacks this key"
    case .parameterShape(let name, let expected, let actual):
      return "parameter @\(name) expects shape \(expected), the weights have \(actual)"
    case .unsupported(let message):
      return "interpreter: \(message)"
    }
  }
}

public struct GraphInterpreter {
  public var graph: Graph
  public var parameters: [String: Tensor]

  /// Checks that every parameter the graph uses has weights of the right shape.
  public init(graph: Graph, parameters: [String: Tensor]) throws {
    try Verifier.verify(graph)
    let used = graph.usedParameterNames
    for parameter in graph.parameters where used.contains(parameter.name) {
      guard let tensor = parameters[parameter.name] else {
        throw InterpreterError.missingParameter(parameter.name, parameter.type)
      }
      guard tensor.shape == parameter.type.shape else {
        throw InterpreterError.parameterShape(parameter.name, expected: parameter.type.shape, actual: tensor.shape)
      }
    }
    self.graph = graph
    self.parameters = parameters
  }

  /// Runs the graph. `keep` names values to return besides the outputs (e.g. stage outputs).
  /// `observe` is called after every node (for tracing and progress).
  public func run(
    inputs: [String: Tensor], keep: Set<String> = [], observe: ((Node, Tensor) -> Void)? = nil
  ) throws -> [String: Tensor] {
    var values: [String: Tensor] = [:]
    for input in graph.inputs {
      guard let tensor = inputs[input.name] else { throw InterpreterError.missingInput(input.name, input.type) }
      guard tensor.shape == input.type.shape else {
        throw InterpreterError.inputShape(input.name, expected: input.type, actual: tensor.shape)
      }
      values[input.name] = tensor
    }
    var remainingUses = graph.useCounts
    for name in keep { remainingUses[name, default: 0] += 1 }
    var kept: [String: Tensor] = [:]
    for node in graph.nodes {
      let operands = try node.operands.map { operand -> Tensor in
        switch operand {
        case .value(let name):
          guard let tensor = values[name] else { throw InterpreterError.unsupported("value %\(name) missing") }
          return tensor
        case .parameter(let name):
          guard let tensor = parameters[name] else {
            throw InterpreterError.missingParameter(name, graph.parameterTypes[name] ?? TensorType(.f32, []))
          }
          return tensor
        }
      }
      let result = try OpSemantics.evaluate(node, operands)
      observe?(node, result)
      values[node.result] = result
      if keep.contains(node.result) { kept[node.result] = result }
      for operand in node.operands {
        guard let name = operand.valueName else { continue }
        remainingUses[name, default: 1] -= 1
        if remainingUses[name] == 0 { values[name] = nil }
      }
      if remainingUses[node.result, default: 0] == 0 { values[node.result] = nil }
    }
    for output in graph.outputs { kept[output] = values[output] }
    return kept
  }
}
