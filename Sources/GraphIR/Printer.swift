// Prints a Graph as text (format in Docs/IR.md). Output is deterministic (attributes sorted by
// key) and the parser reads it back to an identical Graph, so print -> parse -> print is stable.

public enum Printer {
  public static func print(_ graph: Graph) -> String {
    var lines: [String] = ["graph @\(graph.name) {"]
    for input in graph.inputs {
      lines.append("  input %\(input.name) : \(input.type)")
    }
    for parameter in graph.parameters {
      lines.append("  param @\(parameter.name) : \(parameter.type)")
    }
    for node in graph.nodes {
      lines.append("  " + print(node))
    }
    lines.append("  output " + graph.outputs.map { "%" + $0 }.joined(separator: ", "))
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  public static func print(_ node: Node) -> String {
    let results = node.results.map { "%" + $0 }.joined(separator: ", ")
    let operands = node.operands.map(\.description).joined(separator: ", ")
    var text = "\(results) = \(node.op)(\(operands))"
    if !node.attributes.isEmpty {
      let attributes = node.attributes.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
      text += " {" + attributes.joined(separator: ", ") + "}"
    }
    text += " : " + node.resultTypes.map(\.description).joined(separator: ", ")
    return text
  }
}
