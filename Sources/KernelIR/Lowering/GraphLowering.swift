// The state of one lowering run: walks the graph nodes in order and emits kernels and buffers
// (conv and norm emission live in ConvolutionLowering.swift and NormalizationLowering.swift,
// the remaining ops in ElementwiseLowering.swift).

import GraphIR

final class GraphLowering {
  let graph: Graph
  let target: TargetDescription
  let options: LoweringOptions
  var analysis: FusionAnalysis
  let layouts: [String: Layout]
  let types: [String: TensorType]
  let parameterTypes: [String: TensorType]
  var program: KernelProgram
  /// Buffer holding each graph value.
  var valueBuffers: [String: String] = [:]
  /// Names of declared buffers, and graph names that internal buffers must not take.
  var claimedNames: Set<String> = []
  let reservedNames: Set<String>
  /// Weight buffer per (parameter, layout, segments).
  var weightBuffers: [String: String] = [:]
  /// Statistics partials already computed for a buffer.
  var statistics: [String: String] = [:]
  /// Conv results some instance_norm normalises: their conv writes statistics.
  var statisticsWanted: Set<String> = []
  /// Position of each buffer by name, for the first `indexedBufferCount` buffers (see bufferIndex()).
  private var bufferPositions: [String: Int] = [:]
  private var indexedBufferCount = 0

  init(_ graph: Graph, target: TargetDescription, options: LoweringOptions) {
    self.graph = graph
    self.target = target
    self.options = options
    analysis = FusionAnalysis(graph, options: options)
    layouts = LayoutAssignment.assign(graph, target: target)
    analysis.eliminateConcats(layouts: options.fuse ? layouts : [:])
    types = graph.valueTypes
    parameterTypes = graph.parameterTypes
    program = KernelProgram(name: graph.name, target: target)
    reservedNames = Set(types.keys).union(graph.parameters.map(\.name))
    if options.fuse {
      for node in graph.nodes where node.kind == .instanceNorm {
        if let input = node.operands.first?.valueName, let producer = analysis.producer[input] {
          let source = graph.nodes[producer]
          if source.kind == .conv3d || (source.kind == .fusedConv3d && source.attributes["eps"] == nil) {
            statisticsWanted.insert(input)
          }
        }
      }
    }
  }

  func run() throws -> KernelProgram {
    for input in graph.inputs {
      let name = claim(input.name)
      program.buffers.append(try KernelBuffer(name: name, type: input.type, layout: .rowMajor, kind: .input))
      valueBuffers[input.name] = name
    }
    for (index, node) in graph.nodes.enumerated() {
      let location = "\(node.op) %\(node.result)"
      if let group = analysis.normalizationGroups[index] {
        try emitNormalization(group, location: location)
        continue
      }
      if analysis.absorbed.contains(index) { continue }
      guard let kind = node.kind else {
        throw KernelIRError(.lowering, at: location, "unknown op '\(node.op)'")
      }
      switch kind {
      case .conv3d: try lowerConvolution(node, location: location)
      case .fusedConv3d: try lowerFusedConvolution(node, location: location)
      case .instanceNorm:
        throw KernelIRError(.lowering, at: location, "internal: instance_norm outside a normalisation group")
      case .leakyRelu: try lowerLeakyRelu(node, location: location)
      case .add: try lowerAdd(node, index: index, location: location)
      case .upsampleNearest: try lowerUpsample(node, location: location)
      case .concat: try lowerConcat(node, location: location)
      case .softmax, .argmax: try lowerChannelReduction(node, kind: kind, location: location)
      }
    }
    try bindOutputs()
    return program
  }

  // MARK: - Buffers

  /// A fresh buffer name based on `preferred`, avoiding declared buffers and graph names.
  func uniqueName(_ preferred: String) -> String {
    var name = preferred
    var counter = 1
    while claimedNames.contains(name) || reservedNames.contains(name) {
      name = "\(preferred).\(counter)"
      counter += 1
    }
    claimedNames.insert(name)
    return name
  }

  /// `own` itself (a graph value or parameter name) unless a buffer already has it.
  func claim(_ own: String) -> String {
    guard claimedNames.contains(own) else {
      claimedNames.insert(own)
      return own
    }
    return uniqueName(own)
  }

  /// Declares the buffer that holds graph value `value` (an output buffer for graph outputs).
  func defineValueBuffer(_ value: String, location: String) throws -> String {
    guard let type = types[value] else {
      throw KernelIRError(.lowering, at: location, "value %\(value) has no type")
    }
    let name = claim(value)
    let kind: BufferKind = graph.outputs.contains(value) ? .output : .activation
    program.buffers.append(try KernelBuffer(name: name, type: type, layout: layouts[value] ?? .rowMajor, kind: kind))
    valueBuffers[value] = name
    return name
  }

  /// Declares an internal activation buffer named after `base`.
  func defineScratchBuffer(_ base: String, type: TensorType, layout: Layout) throws -> String {
    let name = uniqueName(base)
    program.buffers.append(try KernelBuffer(name: name, type: type, layout: layout, kind: .activation))
    return name
  }

  func buffer(_ name: String) -> KernelBuffer? {
    bufferIndex()[name].map { program.buffers[$0] }
  }

  /// The program's `bufferIndex`, kept up to date incrementally: lowering only appends buffers
  /// (and may turn one into a view in place), so recomputing it per kernel would be quadratic.
  func bufferIndex() -> [String: Int] {
    while indexedBufferCount < program.buffers.count {
      let name = program.buffers[indexedBufferCount].name
      if bufferPositions[name] == nil { bufferPositions[name] = indexedBufferCount }
      indexedBufferCount += 1
    }
    return bufferPositions
  }

  /// The buffer of a data operand; parameters are only accepted as weights.
  func dataBuffer(_ operand: Operand, location: String) throws -> String {
    switch operand {
    case .value(let name):
      guard let buffer = valueBuffers[name] else {
        throw KernelIRError(.lowering, at: location, "internal: %\(name) has no buffer yet")
      }
      return buffer
    case .parameter(let name):
      throw KernelIRError(
        .lowering, at: location,
        "parameter @\(name) is used as data; the Kernel IR takes parameters only as weights, biases and norm affines")
    }
  }

  /// The weight buffer holding parameter `operand` packed in `layout`.
  func weightBuffer(_ operand: Operand, layout: Layout, segments: [Int]?, location: String) throws -> String {
    guard let parameter = operand.parameterName, let type = parameterTypes[parameter] else {
      throw KernelIRError(
        .lowering, at: location,
        "\(operand) must be a graph parameter (weights are packed at compile time), not a computed value")
    }
    let key = "\(parameter)|\(layout.name(rank: type.rank))|\(segments ?? [])"
    if let existing = weightBuffers[key] { return existing }
    let name =
      claimedNames.contains(parameter) ? uniqueName("\(parameter).\(layout.name(rank: type.rank))") : claim(parameter)
    program.buffers.append(
      try KernelBuffer(name: name, type: type, layout: layout, kind: .weight(parameter: parameter), segments: segments))
    weightBuffers[key] = name
    return name
  }

  /// Appends a kernel with its tile attributes and cost filled in.
  @discardableResult
  func append(_ kernel: Kernel, location: String) throws -> Int {
    var kernel = kernel
    let index = bufferIndex()
    kernel.attributes.merge(
      try TileHeuristics.attributes(for: kernel, in: program, index: index, target: target)) { own, _ in own }
    (kernel.flops, kernel.bytesMoved) = try CostModel.estimate(kernel, in: program, index: index)
    program.kernels.append(kernel)
    return program.kernels.count - 1
  }

  /// Number of statistics partials for a first spatial axis of `size`.
  func statisticsParts(_ size: Int) -> Int { max(1, min(size, 4 * target.threads)) }

  // MARK: - Outputs

  /// Graph outputs that are graph inputs get a copy into an output buffer.
  func bindOutputs() throws {
    var listed: [String] = []
    for output in graph.outputs {
      guard let name = valueBuffers[output], let source = buffer(name) else {
        throw KernelIRError(.lowering, at: "output %\(output)", "internal: the output has no buffer")
      }
      if source.kind == .input {
        let copy = uniqueName("\(output).out")
        program.buffers.append(try KernelBuffer(name: copy, type: source.type, layout: .rowMajor, kind: .output))
        try append(
          Kernel(kind: .copy, inputs: [KernelOperand("input", name)], outputs: [KernelOperand("output", copy)]),
          location: "output %\(output)")
        valueBuffers[output] = copy
        listed.append(copy)
      } else {
        listed.append(name)
      }
    }
    program.outputs = listed
  }
}
