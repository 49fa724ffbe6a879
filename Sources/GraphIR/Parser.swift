// Parses the Graph IR text format (Docs/IR.md) back into a Graph. The parser checks syntax only;
// run `Verifier.verify` for semantics, so that a malformed graph can still be read and diagnosed.

public enum Parser {
  public static func parse(_ text: String) throws -> Graph {
    var stream = try TokenStream(text)
    let graph = try parseGraph(&stream)
    guard stream.isAtEnd else { throw stream.error("unexpected text after the graph") }
    return graph
  }

  static func parseGraph(_ stream: inout TokenStream) throws -> Graph {
    try stream.expectKeyword("graph")
    var graph = Graph(name: try stream.symbolName())
    try stream.expect("{")
    while !stream.accept("}") {
      if stream.acceptKeyword("input") {
        let name = try stream.valueName()
        try stream.expect(":")
        graph.inputs.append(GraphInput(name: name, type: try stream.tensorType()))
      } else if stream.acceptKeyword("param") {
        let name = try stream.symbolName()
        try stream.expect(":")
        graph.parameters.append(Parameter(name: name, type: try stream.tensorType()))
      } else if stream.acceptKeyword("output") {
        repeat { graph.outputs.append(try stream.valueName()) } while stream.accept(",")
      } else if case .valueName = stream.current {
        graph.nodes.append(try parseNode(&stream))
      } else if stream.isAtEnd {
        throw stream.error("missing '}' at the end of graph @\(graph.name)")
      } else {
        throw stream.error("expected 'input', 'param', 'output' or '%result = op(...)'")
      }
    }
    return graph
  }

  static func parseNode(_ stream: inout TokenStream) throws -> Node {
    var results: [String] = []
    repeat { results.append(try stream.valueName()) } while stream.accept(",")
    try stream.expect("=")
    let op = try stream.identifier()
    try stream.expect("(")
    var operands: [Operand] = []
    if !stream.accept(")") {
      repeat {
        switch stream.current {
        case .valueName(let name):
          stream.advance()
          operands.append(.value(name))
        case .symbolName(let name):
          stream.advance()
          operands.append(.parameter(name))
        default:
          throw stream.error("expected an operand (%value or @param)")
        }
      } while stream.accept(",")
      try stream.expect(")")
    }
    let attributes = try stream.attributeDictionary()
    try stream.expect(":")
    var types: [TensorType] = []
    repeat { types.append(try stream.tensorType()) } while stream.accept(",")
    guard types.count == results.count else {
      throw stream.error("\(results.count) results but \(types.count) result types")
    }
    return Node(op: op, operands: operands, attributes: attributes, results: results, resultTypes: types)
  }
}
