// The Graph IR verifier: every op known, every operand defined before use (cycles reported as
// such), no value defined twice, attributes in range, operand shapes consistent, declared result
// types equal to the inferred ones, outputs defined, every tensor type of a valid size (at most
// TensorType.maxByteCount bytes). Messages name the op by its result value.

public enum Verifier {
  /// Throws the first problem found.
  public static func verify(_ graph: Graph) throws {
    var defined: [String: TensorType] = [:]
    for input in graph.inputs {
      guard defined[input.name] == nil else {
        throw GraphError(.duplicateDefinition, at: "input %\(input.name)", "%\(input.name) is defined twice")
      }
      try input.type.checkSize(at: "input %\(input.name)")
      defined[input.name] = input.type
    }
    var parameters: [String: TensorType] = [:]
    for parameter in graph.parameters {
      guard parameters[parameter.name] == nil else {
        throw GraphError(
          .duplicateDefinition, at: "param @\(parameter.name)", "@\(parameter.name) is declared twice")
      }
      try parameter.type.checkSize(at: "param @\(parameter.name)")
      parameters[parameter.name] = parameter.type
    }
    let definedLater = graph.definingNode
    for (index, node) in graph.nodes.enumerated() {
      let location = describe(node)
      guard let kind = node.kind else {
        let known = OpKind.allCases.map(\.rawValue).joined(separator: ", ")
        throw GraphError(.unknownOp, at: location, "'\(node.op)' is not an operation (known: \(known))")
      }
      var operandTypes: [TensorType] = []
      for operand in node.operands {
        switch operand {
        case .value(let name):
          if let type = defined[name] {
            operandTypes.append(type)
          } else if let producer = definedLater[name], producer >= index {
            if let cycle = findCycle(graph, through: index) {
              throw GraphError(.cycle, at: location, "operand %\(name) depends on this op's own result: \(cycle)")
            }
            throw GraphError(
              .undefinedValue, at: location, "operand %\(name) is used before the op that defines it")
          } else {
            throw GraphError(.undefinedValue, at: location, "operand %\(name) is not defined anywhere")
          }
        case .parameter(let name):
          guard let type = parameters[name] else {
            throw GraphError(.undefinedParameter, at: location, "parameter @\(name) is not declared")
          }
          operandTypes.append(type)
        }
      }
      let inferred = try ShapeInference.resultTypes(
        kind, operands: operandTypes, attributes: node.attributes, location: location)
      guard node.results.count == inferred.count, node.resultTypes.count == node.results.count else {
        throw GraphError(.type, at: location, "declares \(node.results.count) results, \(kind.rawValue) has \(inferred.count)")
      }
      for (declared, expected) in zip(node.resultTypes, inferred) where declared != expected {
        throw GraphError(.type, at: location, "declared result type \(declared) but the operands give \(expected)")
      }
      for (name, type) in zip(node.results, node.resultTypes) {
        guard defined[name] == nil else {
          throw GraphError(.duplicateDefinition, at: location, "%\(name) is defined twice")
        }
        defined[name] = type
      }
    }
    guard !graph.outputs.isEmpty else {
      throw GraphError(.output, at: "graph @\(graph.name)", "the graph returns nothing")
    }
    for output in graph.outputs where defined[output] == nil {
      throw GraphError(.output, at: "graph @\(graph.name)", "output %\(output) is not defined")
    }
  }

  static func describe(_ node: Node) -> String {
    "\(node.op) %\(node.results.first ?? "?")"
  }

  /// A dependency cycle that passes through node `start`, as text, if there is one.
  static func findCycle(_ graph: Graph, through start: Int) -> String? {
    let producers = graph.definingNode
    var path: [Int] = []
    var visited = Set<Int>()
    func visit(_ index: Int) -> Bool {
      if index == start && !path.isEmpty { return true }
      if visited.contains(index) { return false }
      visited.insert(index)
      path.append(index)
      for operand in graph.nodes[index].operands {
        if let name = operand.valueName, let producer = producers[name], visit(producer) { return true }
      }
      path.removeLast()
      return false
    }
    guard visit(start) else { return nil }
    let names = path.map { "%" + (graph.nodes[$0].results.first ?? "?") }
    return (names + [names.first ?? ""]).joined(separator: " <- ")
  }
}
