// Small tools the rewrite passes share: who uses each value, single-use tests, renaming uses,
// fresh value names and node removal. Passes apply one match at a time and recompute these,
// which keeps every rewrite local and obviously correct (graphs have a few hundred nodes).
import GraphIR

/// Uses of every value in a graph: the user nodes (one entry per operand occurrence) and the outputs.
struct UseIndex {
  private(set) var users: [String: [Int]] = [:]
  let outputs: Set<String>

  init(_ graph: Graph) {
    outputs = Set(graph.outputs)
    for (index, node) in graph.nodes.enumerated() {
      for operand in node.operands {
        if let name = operand.valueName { users[name, default: []].append(index) }
      }
    }
  }

  /// Operand uses plus one per appearance among the graph outputs.
  func useCount(_ value: String) -> Int {
    (users[value]?.count ?? 0) + (outputs.contains(value) ? 1 : 0)
  }

  /// The index of the only node using `value`, when it is used exactly once and is not an output.
  func soleUser(of value: String) -> Int? {
    guard !outputs.contains(value), let list = users[value], list.count == 1 else { return nil }
    return list[0]
  }

  /// Distinct nodes using `value`, in order.
  func userNodes(of value: String) -> [Int] {
    var seen = Set<Int>()
    return (users[value] ?? []).filter { seen.insert($0).inserted }
  }
}

extension Graph {
  /// The node defining value `name`, with its index.
  func producer(of name: String, in producers: [String: Int]) -> (index: Int, node: Node)? {
    guard let index = producers[name] else { return nil }
    return (index, nodes[index])
  }

  /// Replaces every use of `old` by `new` in nodes from `start` on, and in the outputs.
  mutating func renameUses(of old: String, to new: String, from start: Int = 0) {
    guard old != new else { return }
    for index in nodes.indices where index >= start {
      for position in nodes[index].operands.indices where nodes[index].operands[position] == .value(old) {
        nodes[index].operands[position] = .value(new)
      }
    }
    for position in outputs.indices where outputs[position] == old { outputs[position] = new }
  }

  /// `base` if no input or node result has that name, else `base_1`, `base_2`, ...
  func freshValueName(_ base: String, avoiding extra: Set<String> = []) -> String {
    var taken = Set(inputs.map(\.name)).union(extra)
    for node in nodes { taken.formUnion(node.results) }
    guard taken.contains(base) else { return base }
    var counter = 1
    while taken.contains("\(base)_\(counter)") { counter += 1 }
    return "\(base)_\(counter)"
  }

  /// Removes the nodes at `indices`.
  mutating func removeNodes(_ indices: Set<Int>) {
    guard !indices.isEmpty else { return }
    nodes = nodes.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
  }

  /// Types of the operands of `node` (nil when one is undefined).
  func operandTypes(of node: Node, values: [String: TensorType], parameters: [String: TensorType]) -> [TensorType]? {
    var types: [TensorType] = []
    for operand in node.operands {
      guard let type = type(of: operand, values: values, parameters: parameters) else { return nil }
      types.append(type)
    }
    return types
  }
}

extension Node {
  /// The kernel extent [kd, kh, kw] of a conv3d or fused_conv3d, from its weight's type.
  func convolutionKernel(parameters: [String: TensorType], values: [String: TensorType]) -> [Int]? {
    guard let weightIndex = convolutionWeightIndex, weightIndex < operands.count else { return nil }
    let weight: TensorType?
    switch operands[weightIndex] {
    case .parameter(let name): weight = parameters[name]
    case .value(let name): weight = values[name]
    }
    guard let shape = weight?.shape, shape.count == 5 else { return nil }
    return Array(shape[2...])
  }

  /// Operand index of the weight of a conv3d or fused_conv3d.
  var convolutionWeightIndex: Int? {
    switch kind {
    case .conv3d: return 1
    case .fusedConv3d: return ShapeInference.FusedConvolutionOperands(attributes: attributes).weight
    default: return nil
    }
  }

  /// A conv3d, or a fused_conv3d that is only a convolution (+ bias): one input, no norm, no
  /// activation, no residual. These are linear per voxel, like conv3d.
  var isPlainConvolution: Bool {
    switch kind {
    case .conv3d: return true
    case .fusedConv3d:
      return (attributes["inputs"]?.intValue ?? 1) == 1 && attributes["eps"] == nil && attributes["slope"] == nil
        && attributes["has_residual"]?.boolValue != true
    default: return false
    }
  }

  /// The operand of an instance_norm with gamma and beta: (x, gamma, beta).
  var affineInstanceNorm: (input: Operand, gamma: Operand, beta: Operand)? {
    guard kind == .instanceNorm, operands.count == 3 else { return nil }
    return (operands[0], operands[1], operands[2])
  }
}
