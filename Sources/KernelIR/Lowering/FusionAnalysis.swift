// Decides, before any kernel is emitted, which Graph IR nodes become one kernel together:
// - conv (or fused_conv3d without norm) feeding an instance_norm: the conv also writes statistics
//   partials (the norm then needs no extra pass over the data to get them);
// - instance_norm [-> add(residual)] [-> leaky_relu]: one norm_act kernel, emitted where the last
//   absorbed node stood (the residual is ready there);
// - add -> leaky_relu: one add kernel with `slope`;
// - upsample_nearest feeding only a stride-1 1x1 conv: the conv reads its input through the
//   upsampling (no upsampled tensor in memory);
// - concat along channels feeding only convolutions: no concat at all, the convs read the inputs
//   as consecutive channel segments (multi-input convolution).
// A value is absorbed only when its single user is in the same group and it is not a graph output.

import GraphIR

struct NormalizationGroup {
  var norm: Int
  var residual: Operand?
  var slope: Double?
  /// Value the group defines (result of its last node).
  var result: String
  /// Node where the kernel is emitted.
  var last: Int
}

struct FusionAnalysis {
  let graph: Graph
  /// Users of each value (node indices, once per operand use).
  var users: [String: [Int]] = [:]
  let graphOutputs: Set<String>
  let producer: [String: Int]
  /// Nodes that emit nothing themselves (part of a group emitted elsewhere).
  var absorbed: Set<Int> = []
  /// instance_norm node -> its group; keyed by the node that emits it.
  var normalizationGroups: [Int: NormalizationGroup] = [:]
  /// add node -> slope of the absorbed leaky_relu, and the value the pair defines.
  var addActivations: [Int: (slope: Double, result: String)] = [:]
  /// upsample values read through a 1x1 conv's prologue.
  var upsamplePrologues: Set<String> = []
  /// concat values that are never materialised.
  var eliminatedConcats: Set<String> = []

  init(_ graph: Graph, options: LoweringOptions) {
    self.graph = graph
    graphOutputs = Set(graph.outputs)
    producer = graph.definingNode
    for (index, node) in graph.nodes.enumerated() {
      for operand in node.operands {
        if let name = operand.valueName { users[name, default: []].append(index) }
      }
    }
    guard options.fuse else {
      for (index, node) in graph.nodes.enumerated() where node.kind == .instanceNorm {
        normalizationGroups[index] = NormalizationGroup(
          norm: index, residual: nil, slope: nil, result: node.result, last: index)
      }
      return
    }
    for (index, node) in graph.nodes.enumerated() {
      switch node.kind {
      case .instanceNorm: groupNormalization(index)
      case .upsampleNearest where isPointwiseConvPrologue(node.result): upsamplePrologues.insert(node.result)
      default: break
      }
    }
    for (index, node) in graph.nodes.enumerated() where node.kind == .add && !absorbed.contains(index) {
      if let next = soleUser(node.result), graph.nodes[next].kind == .leakyRelu {
        absorbed.insert(next)
        addActivations[index] = (graph.nodes[next].attributes["slope"]?.floatValue ?? 0.01, graph.nodes[next].result)
      }
    }
    for upsample in upsamplePrologues {
      if let index = producer[upsample] { absorbed.insert(index) }
    }
  }

  /// The single node using `value`, if it has exactly one use and is not a graph output.
  func soleUser(_ value: String) -> Int? {
    guard !graphOutputs.contains(value), let list = users[value], list.count == 1 else { return nil }
    return list[0]
  }

  mutating func groupNormalization(_ index: Int) {
    var group = NormalizationGroup(norm: index, residual: nil, slope: nil, result: graph.nodes[index].result, last: index)
    var current = group.result
    if let next = soleUser(current), graph.nodes[next].kind == .add, !absorbed.contains(next) {
      let add = graph.nodes[next]
      let other = add.operands[0] == .value(current) ? add.operands[1] : add.operands[0]
      if other != .value(current) {
        group.residual = other
        absorbed.insert(next)
        group.last = next
        current = add.result
      }
    }
    if let next = soleUser(current), graph.nodes[next].kind == .leakyRelu, !absorbed.contains(next) {
      group.slope = graph.nodes[next].attributes["slope"]?.floatValue ?? 0.01
      absorbed.insert(next)
      group.last = next
      current = graph.nodes[next].result
    }
    group.result = current
    if group.last != index { absorbed.insert(index) }
    normalizationGroups[group.last] = group
  }

  /// An upsample whose only user reads it as the single input of a stride-1, unpadded 1x1 conv.
  func isPointwiseConvPrologue(_ value: String) -> Bool {
    guard let user = soleUser(value) else { return false }
    let node = graph.nodes[user]
    let parameters = graph.parameterTypes
    switch node.kind {
    case .conv3d:
      guard node.operands.first == .value(value), let weight = node.operands[1].parameterName else { return false }
      return parameters[weight]?.shape.dropFirst(2).elementsEqual([1, 1, 1]) == true
        && node.attributes["stride"]?.intsValue == [1, 1, 1]
        && node.attributes["padding"]?.intsValue?.allSatisfy({ $0 == 0 }) == true
    case .fusedConv3d:
      let roles = ShapeInference.FusedConvolutionOperands(attributes: node.attributes)
      guard roles.inputs.count == 1, node.operands.first == .value(value),
        let weight = node.operands[roles.weight].parameterName
      else { return false }
      return parameters[weight]?.shape.dropFirst(2).elementsEqual([1, 1, 1]) == true
        && node.attributes["stride"]?.intsValue == [1, 1, 1]
        && node.attributes["padding"]?.intsValue?.allSatisfy({ $0 == 0 }) == true
    default:
      return false
    }
  }

  /// Input positions of a conv-like node (operand indices that are data inputs).
  func convolutionInputPositions(_ node: Node) -> Range<Int>? {
    switch node.kind {
    case .conv3d: return 0..<1
    case .fusedConv3d: return ShapeInference.FusedConvolutionOperands(attributes: node.attributes).inputs
    default: return nil
    }
  }

  /// Marks channel concats that only convolutions read, given the chosen layouts.
  mutating func eliminateConcats(layouts: [String: Layout]) {
    for node in graph.nodes where node.kind == .concat {
      guard node.attributes["axis"]?.intValue == 1, node.resultType?.rank == 5, !graphOutputs.contains(node.result),
        let list = users[node.result], !list.isEmpty
      else { continue }
      let inputs = node.operands.compactMap(\.valueName)
      guard inputs.count == node.operands.count, let first = inputs.first.flatMap({ layouts[$0] }),
        inputs.allSatisfy({ layouts[$0] == first && !upsamplePrologues.contains($0) })
      else { continue }
      let onlyConvolutions = list.allSatisfy { user in
        let consumer = graph.nodes[user]
        guard let positions = convolutionInputPositions(consumer) else { return false }
        return consumer.operands.indices.allSatisfy { position in
          consumer.operands[position] != .value(node.result) || positions.contains(position)
        }
      }
      if onlyConvolutions { eliminatedConcats.insert(node.result) }
    }
  }

  /// Data inputs of a convolution after concat elimination (values in channel order).
  func flattenedInputs(_ values: [String]) -> [String] {
    values.flatMap { value -> [String] in
      guard eliminatedConcats.contains(value), let index = producer[value] else { return [value] }
      return graph.nodes[index].operands.compactMap(\.valueName)
    }
  }
}
