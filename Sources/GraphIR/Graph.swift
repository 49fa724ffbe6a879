// The Graph IR: a list of operations in SSA form over tensor values, with named parameters
// (bound to checkpoint keys such as `conv_blocks_context.0.0.conv1.weight`), named inputs and
// outputs. Nodes are kept in a valid execution order (a schedule); the verifier checks it.

/// An operand is either an SSA value (`%name`) or a parameter (`@name`).
public enum Operand: Hashable, Sendable, CustomStringConvertible {
  case value(String)
  case parameter(String)

  public var description: String {
    switch self {
    case .value(let name): return "%" + name
    case .parameter(let name): return "@" + name
    }
  }

  public var valueName: String? {
    if case .value(let name) = self { return name }
    return nil
  }

  public var parameterName: String? {
    if case .parameter(let name) = self { return name }
    return nil
  }
}

public struct Node: Hashable, Sendable {
  /// Operation name, e.g. "conv3d". Kept as text so the verifier can report unknown ops.
  public var op: String
  public var operands: [Operand]
  public var attributes: [String: Attribute]
  /// Names of the SSA values this node defines, with their types.
  public var results: [String]
  public var resultTypes: [TensorType]

  public init(
    op: String, operands: [Operand], attributes: [String: Attribute] = [:], results: [String],
    resultTypes: [TensorType]
  ) {
    self.op = op
    self.operands = operands
    self.attributes = attributes
    self.results = results
    self.resultTypes = resultTypes
  }

  public init(
    _ kind: OpKind, operands: [Operand], attributes: [String: Attribute] = [:], result: String,
    type: TensorType
  ) {
    self.init(op: kind.rawValue, operands: operands, attributes: attributes, results: [result], resultTypes: [type])
  }

  public var kind: OpKind? { OpKind(rawValue: op) }
  public var result: String { results.first ?? "" }
  public var resultType: TensorType? { resultTypes.first }
}

public struct Parameter: Hashable, Sendable {
  public var name: String
  public var type: TensorType

  public init(name: String, type: TensorType) {
    self.name = name
    self.type = type
  }
}

public struct GraphInput: Hashable, Sendable {
  public var name: String
  public var type: TensorType

  public init(name: String, type: TensorType) {
    self.name = name
    self.type = type
  }
}

public struct Graph: Hashable, Sendable {
  public var name: String
  public var inputs: [GraphInput]
  public var parameters: [Parameter]
  public var nodes: [Node]
  /// Names of the values the graph returns.
  public var outputs: [String]

  public init(
    name: String, inputs: [GraphInput] = [], parameters: [Parameter] = [], nodes: [Node] = [],
    outputs: [String] = []
  ) {
    self.name = name
    self.inputs = inputs
    self.parameters = parameters
    self.nodes = nodes
    self.outputs = outputs
  }

  /// Type of every value: inputs and node results.
  public var valueTypes: [String: TensorType] {
    var types: [String: TensorType] = [:]
    for input in inputs { types[input.name] = input.type }
    for node in nodes {
      for (name, type) in zip(node.results, node.resultTypes) { types[name] = type }
    }
    return types
  }

  public var parameterTypes: [String: TensorType] {
    Dictionary(parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
  }

  /// Type of an operand, if it is defined.
  public func type(of operand: Operand, values: [String: TensorType], parameters: [String: TensorType])
    -> TensorType?
  {
    switch operand {
    case .value(let name): return values[name]
    case .parameter(let name): return parameters[name]
    }
  }

  /// Index of the node defining each value.
  public var definingNode: [String: Int] {
    var map: [String: Int] = [:]
    for (index, node) in nodes.enumerated() {
      for result in node.results { map[result] = index }
    }
    return map
  }

  /// Number of nodes using each value (graph outputs count as a use).
  public var useCounts: [String: Int] {
    var counts: [String: Int] = [:]
    for node in nodes {
      for operand in node.operands {
        if let name = operand.valueName { counts[name, default: 0] += 1 }
      }
    }
    for output in outputs { counts[output, default: 0] += 1 }
    return counts
  }

  /// Parameters actually referenced by some node.
  public var usedParameterNames: Set<String> {
    Set(nodes.flatMap { $0.operands.compactMap(\.parameterName) })
  }
}
