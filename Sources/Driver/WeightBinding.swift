// Binds checkpoint tensors to graph parameters by name, with shape checks. Every missing,
// unexpected or mismatched key is collected into one report, so a user sees all problems at once.
import GraphIR
import TensorCore

public struct WeightBindingReport: Error, CustomStringConvertible {
  public var missing: [(String, [Int])] = []
  public var mismatched: [(String, expected: [Int], actual: [Int])] = []
  public var unexpected: [String] = []

  public var isClean: Bool { missing.isEmpty && mismatched.isEmpty }

  public var description: String {
    var lines = ["the weights do not fit the model:"]
    if !missing.isEmpty {
      lines.append("  \(missing.count) missing key(s):")
      lines += missing.prefix(20).map { "    \($0.0) \($0.1)" }
      if missing.count > 20 { lines.append("    … and \(missing.count - 20) more") }
    }
    if !mismatched.isEmpty {
      lines.append("  \(mismatched.count) key(s) with the wrong shape:")
      lines += mismatched.prefix(20).map { "    \($0.0): model \($0.expected), checkpoint \($0.actual)" }
    }
    if !unexpected.isEmpty {
      lines.append("  \(unexpected.count) unexpected key(s): " + unexpected.prefix(10).joined(separator: ", "))
    }
    lines.append(
      "  check --variant / --widths / --depths / --classes against the checkpoint (stunetc inspect CHECKPOINT shows its configuration)"
    )
    return lines.joined(separator: "\n")
  }
}

public enum WeightBinding {
  /// The subset of `tensors` the graph's parameters need, or a report listing every problem.
  public static func bind(_ tensors: [String: Tensor], to graph: Graph) throws -> [String: Tensor] {
    var report = WeightBindingReport()
    var bound: [String: Tensor] = [:]
    for parameter in graph.parameters {
      guard let tensor = tensors[parameter.name] else {
        report.missing.append((parameter.name, parameter.type.shape))
        continue
      }
      guard tensor.shape == parameter.type.shape else {
        report.mismatched.append((parameter.name, parameter.type.shape, tensor.shape))
        continue
      }
      bound[parameter.name] = tensor
    }
    let known = Set(graph.parameters.map(\.name))
    report.unexpected = tensors.keys.filter { !known.contains($0) }.sorted()
    guard report.isClean else { throw report }
    return bound
  }
}
