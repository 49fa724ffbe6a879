// Lowers the remaining ops one kernel each: leaky_relu, add (with an absorbed LeakyReLU),
// upsample_nearest, softmax, argmax, and concat. A channel concat that is not eliminated is
// written through views: producers whose result only the concat reads write straight into their
// channel range of the concat buffer, the other inputs are copied in. Concats along other axes,
// or with channel ranges that do not start on a layout block, use a concat kernel.

import GraphIR

extension GraphLowering {
  func lowerLeakyRelu(_ node: Node, location: String) throws {
    let input = try dataBuffer(node.operands[0], location: location)
    let output = try defineValueBuffer(node.result, location: location)
    try append(
      Kernel(
        kind: .leakyRelu, inputs: [KernelOperand("input", input)], outputs: [KernelOperand("output", output)],
        attributes: ["slope": .float(node.attributes["slope"]?.floatValue ?? 0.01)]),
      location: location)
  }

  func lowerAdd(_ node: Node, index: Int, location: String) throws {
    let left = try dataBuffer(node.operands[0], location: location)
    let right = try dataBuffer(node.operands[1], location: location)
    var attributes: [String: Attribute] = [:]
    var result = node.result
    if let activation = analysis.addActivations[index] {
      attributes["slope"] = .float(activation.slope)
      result = activation.result
    }
    let output = try defineValueBuffer(result, location: location)
    try append(
      Kernel(
        kind: .add, inputs: [KernelOperand("input", left), KernelOperand("input", right)],
        outputs: [KernelOperand("output", output)], attributes: attributes),
      location: location)
  }

  func lowerUpsample(_ node: Node, location: String) throws {
    let input = try dataBuffer(node.operands[0], location: location)
    let output = try defineValueBuffer(node.result, location: location)
    try append(
      Kernel(
        kind: .upsampleNearest, inputs: [KernelOperand("input", input)], outputs: [KernelOperand("output", output)],
        attributes: ["scale": node.attributes["scale"] ?? .ints([1, 1, 1])]),
      location: location)
  }

  func lowerChannelReduction(_ node: Node, kind: OpKind, location: String) throws {
    let input = try dataBuffer(node.operands[0], location: location)
    let output = try defineValueBuffer(node.result, location: location)
    try append(
      Kernel(
        kind: kind == .softmax ? .softmax : .argmax, inputs: [KernelOperand("input", input)],
        outputs: [KernelOperand("output", output)], attributes: ["axis": node.attributes["axis"] ?? .int(1)]),
      location: location)
  }

  func lowerConcat(_ node: Node, location: String) throws {
    if analysis.eliminatedConcats.contains(node.result) { return }
    let inputs = try node.operands.map { try dataBuffer($0, location: location) }
    let output = try defineValueBuffer(node.result, location: location)
    guard let base = buffer(output) else { return }
    let axis = node.attributes["axis"]?.intValue ?? 1
    if options.fuse, axis == 1, try writeThroughViews(inputs, values: node.operands.compactMap(\.valueName), base: base, location: location) {
      return
    }
    try append(
      Kernel(
        kind: .concat, inputs: inputs.map { KernelOperand("input", $0) }, outputs: [KernelOperand("output", output)],
        attributes: ["axis": .int(axis)]),
      location: location)
  }

  /// Turns each input into a view of `base` (retargeting its producer, or copying it in).
  /// Returns false, changing nothing, when the channel ranges do not fit the layout's blocks.
  func writeThroughViews(_ inputs: [String], values: [String], base: KernelBuffer, location: String) throws -> Bool {
    guard let block = base.layout.channelBlock, base.type.rank >= 2, values.count == inputs.count else { return false }
    let total = base.type.shape[1]
    var ranges: [(start: Int, channels: Int)] = []
    var start = 0
    for name in inputs {
      guard let input = buffer(name) else { return false }
      let end = start + input.type.shape[1]
      guard start % block == 0, end % block == 0 || end == total else { return false }
      ranges.append((start, input.type.shape[1]))
      start = end
    }
    let writers = Dictionary(
      program.kernels.enumerated().flatMap { index, kernel in kernel.outputs.map { ($0.buffer, (index, $0.role)) } },
      uniquingKeysWith: { first, _ in first })
    for (position, name) in inputs.enumerated() {
      guard let input = buffer(name), let index = program.buffers.lastIndex(where: { $0.name == name }) else { continue }
      let (channelStart, _) = ranges[position]
      let retargetable =
        input.kind == .activation && input.layout == base.layout && analysis.soleUser(values[position]) != nil
        && writers[name]?.1 == "output" && statistics[name] == nil
        && !program.buffers.contains(where: { $0.kind.viewBase == name })
      if retargetable {
        program.buffers[index].kind = .view(base: base.name, channelOffset: channelStart)
      } else {
        var viewType = base.type
        viewType.shape[1] = input.type.shape[1]
        let view = uniqueName("\(base.name).part\(position)")
        program.buffers.append(
          try KernelBuffer(
            name: view, type: viewType, layout: base.layout, kind: .view(base: base.name, channelOffset: channelStart)))
        try append(
          Kernel(kind: .copy, inputs: [KernelOperand("input", name)], outputs: [KernelOperand("output", view)]),
          location: location)
      }
    }
    return true
  }
}
