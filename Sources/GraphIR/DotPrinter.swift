// Graphviz `dot` text for a graph: one box per op (op name, result type), edges from producers to
// consumers, parameters omitted for readability. `stunetc compile --emit dot`.

public enum DotPrinter {
  public static func print(_ graph: Graph) -> String {
    var lines = ["digraph \"\(graph.name)\" {", "  rankdir=TB;", "  node [shape=box, fontname=\"monospace\", fontsize=10];"]
    for input in graph.inputs {
      lines.append("  \"\(input.name)\" [label=\"input %\(input.name)\\n\(input.type)\", shape=ellipse];")
    }
    for node in graph.nodes {
      let type = node.resultTypes.map(\.description).joined(separator: ", ")
      lines.append("  \"\(node.result)\" [label=\"\(node.op) %\(node.result)\\n\(type)\"];")
      for operand in node.operands {
        if let value = operand.valueName { lines.append("  \"\(value)\" -> \"\(node.result)\";") }
      }
    }
    for output in graph.outputs {
      lines.append("  \"out.\(output)\" [label=\"output\", shape=ellipse];")
      lines.append("  \"\(output)\" -> \"out.\(output)\";")
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }
}
