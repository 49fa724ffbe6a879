// Lowers instance norm groups (instance_norm [-> add] [-> leaky_relu]) to a norm_act kernel that
// reads statistics partials: those the producing conv wrote in its epilogue, or those of a
// channel_stats kernel emitted here when no conv produced the input (computed once per buffer).

import GraphIR

extension GraphLowering {
  func emitNormalization(_ group: NormalizationGroup, location: String) throws {
    let norm = graph.nodes[group.norm]
    let input = try dataBuffer(norm.operands[0], location: location)
    let statistics = try statisticsBuffer(of: input, location: location)
    guard let eps = norm.attributes["eps"]?.floatValue else {
      throw KernelIRError(.lowering, at: location, "instance_norm needs eps")
    }
    try emitNormAct(
      input: input, statistics: statistics, gamma: norm.operands.count == 3 ? norm.operands[1] : nil,
      beta: norm.operands.count == 3 ? norm.operands[2] : nil, residual: group.residual, slope: group.slope,
      eps: eps, result: group.result, location: location)
  }

  /// Statistics partials of `input`: from its conv, or a channel_stats kernel.
  func statisticsBuffer(of input: String, location: String) throws -> String {
    if let existing = statistics[input] { return existing }
    guard let source = buffer(input), source.type.rank >= 3 else {
      throw KernelIRError(.lowering, at: location, "instance norm needs [N, C, spatial...] input")
    }
    let shape = source.type.shape
    let parts = statisticsParts(shape[2])
    let name = try defineScratchBuffer(
      "\(input).stats", type: TensorType(.f32, [shape[0], shape[1], parts, 3]), layout: .rowMajor)
    try append(
      Kernel(
        kind: .channelStats, inputs: [KernelOperand("input", input)], outputs: [KernelOperand("stats", name)],
        attributes: ["stat_parts": .int(parts)]),
      location: location)
    statistics[input] = name
    return name
  }

  func emitNormAct(
    input: String, statistics: String, gamma: Operand?, beta: Operand?, residual: Operand?, slope: Double?,
    eps: Double, result: String, location: String
  ) throws {
    let vectorWidth = target.vectorWidth
    var operands = [KernelOperand("input", input), KernelOperand("stats", statistics)]
    if let gamma {
      operands.append(
        KernelOperand("gamma", try weightBuffer(gamma, layout: .paddedVector(vectorWidth), segments: nil, location: location)))
    }
    if let beta {
      operands.append(
        KernelOperand("beta", try weightBuffer(beta, layout: .paddedVector(vectorWidth), segments: nil, location: location)))
    }
    if let residual { operands.append(KernelOperand("residual", try dataBuffer(residual, location: location))) }
    guard let parts = buffer(statistics)?.type.shape[2] else {
      throw KernelIRError(.lowering, at: location, "internal: statistics %\(statistics) missing")
    }
    var attributes: [String: Attribute] = ["eps": .float(eps), "stat_parts": .int(parts)]
    if let slope { attributes["slope"] = .float(slope) }
    let output = try defineValueBuffer(result, location: location)
    try append(
      Kernel(kind: .normAct, inputs: operands, outputs: [KernelOperand("output", output)], attributes: attributes),
      location: location)
  }
}
