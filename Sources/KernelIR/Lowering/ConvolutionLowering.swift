// Lowers conv3d and fused_conv3d nodes to one convolution kernel each (plus a norm_act kernel
// for a fused_conv3d with instance norm). The kernel kind follows the geometry and input layout:
// 1x1x1 -> conv3d_1x1, row-major input on a vector target -> conv3d_first, else conv3d_direct.
// Inputs of an eliminated concat become the conv's input segments; an absorbed upsample becomes
// the 1x1 conv's `upsample` prologue. The conv writes statistics when a norm reads its result.

import GraphIR

extension GraphLowering {
  struct ConvolutionRequest {
    var dataInputs: [String]
    var weight: Operand
    var bias: Operand?
    var residual: Operand?
    var slope: Double?
    var stride: [Int]
    var padding: [Int]
    /// Output buffer already declared.
    var output: String
    var wantsStatistics: Bool
  }

  func lowerConvolution(_ node: Node, location: String) throws {
    guard let input = node.operands[0].valueName else {
      throw KernelIRError(.lowering, at: location, "the conv input must be a value, not \(node.operands[0])")
    }
    let output = try defineValueBuffer(node.result, location: location)
    try emitConvolution(
      ConvolutionRequest(
        dataInputs: [input], weight: node.operands[1], bias: node.operands.count > 2 ? node.operands[2] : nil,
        residual: nil, slope: nil, stride: node.attributes["stride"]?.intsValue ?? [1, 1, 1],
        padding: node.attributes["padding"]?.intsValue ?? [0, 0, 0, 0, 0, 0], output: output,
        wantsStatistics: statisticsWanted.contains(node.result)),
      location: location)
  }

  func lowerFusedConvolution(_ node: Node, location: String) throws {
    let roles = ShapeInference.FusedConvolutionOperands(attributes: node.attributes)
    let inputs = try node.operands[roles.inputs].map { operand -> String in
      guard let name = operand.valueName else {
        throw KernelIRError(.lowering, at: location, "fused_conv3d inputs must be values, not \(operand)")
      }
      return name
    }
    let stride = node.attributes["stride"]?.intsValue ?? [1, 1, 1]
    let padding = node.attributes["padding"]?.intsValue ?? [0, 0, 0, 0, 0, 0]
    let slope = node.attributes["slope"]?.floatValue
    let residual = roles.residual.map { node.operands[$0] }
    guard let eps = node.attributes["eps"]?.floatValue else {
      let output = try defineValueBuffer(node.result, location: location)
      try emitConvolution(
        ConvolutionRequest(
          dataInputs: inputs, weight: node.operands[roles.weight], bias: roles.bias.map { node.operands[$0] },
          residual: residual, slope: slope, stride: stride, padding: padding, output: output,
          wantsStatistics: statisticsWanted.contains(node.result)),
        location: location)
      return
    }
    guard let type = node.resultType else { throw KernelIRError(.lowering, at: location, "no result type") }
    // The pre-normalisation buffer is internal to the fused op, so it always takes the target's
    // compute layout; when the result must be row-major (a graph output, a spatial softmax) the
    // normalisation converts while it writes. (The JIT's conv kernels accumulate statistics over
    // blocked outputs only; a row-major result had made the conv write NCDHW in place.)
    let blockable = target.vectorWidth > 1 && type.rank == 5 && type.dtype == .f32
    let preLayout = blockable ? Layout.channelBlocked(target.vectorWidth) : (layouts[node.result] ?? .rowMajor)
    let convolved = try defineScratchBuffer("\(node.result).pre", type: type, layout: preLayout)
    let statistics = try emitConvolution(
      ConvolutionRequest(
        dataInputs: inputs, weight: node.operands[roles.weight], bias: roles.bias.map { node.operands[$0] },
        residual: nil, slope: nil, stride: stride, padding: padding, output: convolved, wantsStatistics: true),
      location: location)
    guard let statistics else { throw KernelIRError(.lowering, at: location, "internal: no statistics") }
    try emitNormAct(
      input: convolved, statistics: statistics, gamma: roles.gamma.map { node.operands[$0] },
      beta: roles.beta.map { node.operands[$0] }, residual: residual, slope: slope, eps: eps, result: node.result,
      location: location)
  }

  /// Emits the conv kernel; returns the statistics buffer when one was requested.
  @discardableResult
  func emitConvolution(_ request: ConvolutionRequest, location: String) throws -> String? {
    var values = analysis.flattenedInputs(request.dataInputs)
    var upsample: [Int]?
    if values.count == 1, analysis.upsamplePrologues.contains(values[0]), let producer = analysis.producer[values[0]] {
      let node = graph.nodes[producer]
      upsample = node.attributes["scale"]?.intsValue
      guard let source = node.operands.first?.valueName else {
        throw KernelIRError(.lowering, at: location, "the upsampled input must be a value")
      }
      values = [source]
    }
    var inputs = try values.map { try dataBuffer(.value($0), location: location) }
    guard let firstInput = inputs.first.flatMap(buffer) else {
      throw KernelIRError(.lowering, at: location, "a convolution needs an input")
    }
    // Inputs of one conv share a layout; convert any odd one out (only hand-made graphs have them).
    let layout = firstInput.layout
    for position in inputs.indices {
      if let current = buffer(inputs[position]), current.layout != layout {
        inputs[position] = try emitCopy(current.name, to: layout, location: location)
      }
    }
    guard let inputBlock = layout.channelBlock, let output = buffer(request.output),
      let weightType = request.weight.parameterName.flatMap({ parameterTypes[$0] })
    else {
      throw KernelIRError(
        .lowering, at: location,
        "the weight \(request.weight) must be a graph parameter (weights are packed at compile time), not a computed value")
    }
    let channels = try inputs.map { name -> Int in
      guard let type = buffer(name)?.type, type.rank == 5 else {
        throw KernelIRError(.lowering, at: location, "conv input %\(name) must be 5-D")
      }
      return type.shape[1]
    }
    let vectorWidth = target.vectorWidth
    let weight = try weightBuffer(
      request.weight, layout: .packedConvWeight(inputBlock: inputBlock, outputBlock: vectorWidth),
      segments: channels.count > 1 ? channels : nil, location: location)
    var operands = inputs.map { KernelOperand("input", $0) } + [KernelOperand("weight", weight)]
    if let bias = request.bias {
      operands.append(
        KernelOperand(
          "bias", try weightBuffer(bias, layout: .paddedVector(vectorWidth), segments: nil, location: location)))
    }
    if let residual = request.residual {
      operands.append(KernelOperand("residual", try dataBuffer(residual, location: location)))
    }
    var attributes: [String: Attribute] = ["stride": .ints(request.stride), "padding": .ints(request.padding)]
    if let upsample { attributes["upsample"] = .ints(upsample) }
    if let slope = request.slope { attributes["slope"] = .float(slope) }
    var outputs = [KernelOperand("output", request.output)]
    var statistics: String?
    if request.wantsStatistics {
      let parts = statisticsParts(output.type.shape[2])
      let name = try defineScratchBuffer(
        "\(request.output).stats", type: TensorType(.f32, [output.type.shape[0], output.type.shape[1], parts, 3]),
        layout: .rowMajor)
      outputs.append(KernelOperand("stats", name))
      attributes["stat_parts"] = .int(parts)
      self.statistics[request.output] = name
      statistics = name
    }
    let kernelVolume = weightType.shape.dropFirst(2).reduce(1, *)
    let kind: KernelKind =
      kernelVolume == 1 && weightType.shape.dropFirst(2).allSatisfy({ $0 == 1 })
      ? .conv3dPointwise : (layout == .rowMajor && vectorWidth > 1 ? .conv3dFirst : .conv3dDirect)
    if kind != .conv3dPointwise, upsample != nil {
      throw KernelIRError(.lowering, at: location, "internal: upsample prologue on a non-pointwise conv")
    }
    try append(Kernel(kind: kind, inputs: operands, outputs: outputs, attributes: attributes), location: location)
    return statistics
  }

  /// Copies `source` into a new buffer of `layout`; returns its name.
  func emitCopy(_ source: String, to layout: Layout, location: String) throws -> String {
    guard let original = buffer(source) else {
      throw KernelIRError(.lowering, at: location, "internal: %\(source) is not declared")
    }
    let name = try defineScratchBuffer("\(source).\(layout.name(rank: original.type.rank))", type: original.type, layout: layout)
    try append(
      Kernel(kind: .copy, inputs: [KernelOperand("input", source)], outputs: [KernelOperand("output", name)]),
      location: location)
    return name
  }
}
