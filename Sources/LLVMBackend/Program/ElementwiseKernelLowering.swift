// Lowers the non-convolution kernels of the Kernel IR to generators: norm_act, add, leaky_relu
// and copy (ChannelwiseKernel; norm_act with a host prologue that turns statistics partials into
// coefficients), upsample_nearest, channel_stats, and argmax and softmax over channels. concat,
// softmax along another axis, and anything outside these generators' reach, are reported as
// fallback reasons (the interpreter runs them on the same arena).
import KernelIR

extension ProgramLoweringContext {
  func lowerElementwise(_ kernel: Kernel, name: String) throws -> LoweredKernel {
    switch kernel.kind {
    case .normAct, .add, .leakyRelu, .copy: return try lowerChannelwise(kernel, name: name)
    case .upsampleNearest: return try lowerUpsample(kernel, name: name)
    case .channelStats: return try lowerChannelStatistics(kernel, name: name)
    case .argmax: return try lowerArgmax(kernel, name: name)
    case .softmax: return try lowerSoftmax(kernel, name: name)
    case .concat: throw FallbackReason("concat has no JIT generator (the passes fold it into the consuming convolution)")
    case .conv3dFirst, .conv3dDirect, .conv3dPointwise: throw FallbackReason("internal: not element-wise")
    }
  }

  /// Voxels per tile so that a kernel has about `targetTiles` tiles (a multiple of 8).
  func voxelChunk(voxels: Int, otherTiles: Int) -> Int {
    let wanted = max(1, (targetTiles + otherTiles - 1) / max(1, otherTiles))
    let chunk = (voxels + wanted - 1) / wanted
    return max(8, (max(chunk, 4096) + 7) / 8 * 8)
  }

  private func lowerChannelwise(_ kernel: Kernel, name: String) throws -> LoweredKernel {
    guard let outputName = kernel.output("output"), let inputName = kernel.input("input") else {
      throw FallbackReason("needs an input and an output")
    }
    var slots = SlotAssignment()
    let output = try activation(outputName)
    let operation: ChannelwiseKernelSpec.Operation
    var inputNames = [inputName]
    switch kernel.kind {
    case .normAct:
      operation = .normalize(slope: kernel.float("slope").map(Float.init))
      if let residual = kernel.input("residual") { inputNames.append(residual) }
    case .add:
      operation = .add(slope: kernel.float("slope").map(Float.init))
      inputNames = kernel.inputs("input")
    case .leakyRelu:
      operation = .leakyRelu(slope: Float(kernel.float("slope") ?? 0.01))
    default:
      operation = .copy
    }
    var inputs: [(slot: Int, addressing: ActivationAddressing)] = []
    for name in inputNames {
      let addressing = try activation(name)
      guard addressing.batch == output.batch, addressing.channels == output.channels, addressing.voxels == output.voxels else {
        throw FallbackReason("%\(name) and %\(outputName) differ in shape")
      }
      inputs.append((try slot(name, in: &slots), addressing))
    }
    var prologue: HostStep?
    var coefficientSlot: Int?
    if kernel.kind == .normAct {
      guard let statisticsName = kernel.input("stats") else { throw FallbackReason("norm_act needs statistics") }
      let statistics = try buffer(statisticsName)
      guard statistics.layout == .rowMajor, statistics.type.dtype == .f32, statistics.type.rank == 4,
        statistics.type.shape[0] == output.batch, statistics.type.shape[1] == output.channels, statistics.type.shape[3] == 3
      else { throw FallbackReason("statistics %\(statisticsName) must be row-major f32 [N, C, P, 3]") }
      var step = NormalizationCoefficients(
        statistics: try location(statisticsName), gamma: try kernel.input("gamma").map { try location($0) },
        beta: try kernel.input("beta").map { try location($0) }, coefficients: BufferLocation(storage: .scratch, byteOffset: 0),
        batch: output.batch, channels: output.channels, parts: statistics.type.shape[2], epsilon: kernel.float("eps") ?? 1e-5)
      let coefficients = reserveScratch(floats: step.floatCount)
      step = NormalizationCoefficients(
        statistics: step.statistics, gamma: step.gamma, beta: step.beta, coefficients: coefficients, batch: step.batch,
        channels: step.channels, parts: step.parts, epsilon: step.epsilon)
      coefficientSlot = slots.slot(coefficients, elements: step.floatCount)
      prologue = .normalizationCoefficients(step)
    }
    let outputSlot = try slot(outputName, in: &slots)
    let alongVoxels = (inputs.map(\.addressing) + [output]).allSatisfy { $0.form == .plain }
    let groups = alongVoxels ? output.channels : output.blocks
    let spec = ChannelwiseKernelSpec(
      name: name, operation: operation, inputs: inputs, output: (outputSlot, output), coefficientSlot: coefficientSlot,
      batch: output.batch, channels: output.channels, voxels: output.voxels,
      chunk: voxelChunk(voxels: output.voxels, otherTiles: output.batch * groups))
    return LoweredKernel(
      generator: ChannelwiseKernel(spec: spec, slotElementCounts: slots.elementCounts), slots: slots, prologue: prologue,
      epilogue: nil)
  }

  private func lowerUpsample(_ kernel: Kernel, name: String) throws -> LoweredKernel {
    guard let inputName = kernel.input("input"), let outputName = kernel.output("output"),
      let scale = kernel.ints("scale"), scale.count == 3, scale.allSatisfy({ $0 >= 1 })
    else { throw FallbackReason("upsample_nearest needs an input, an output and 3 scale factors") }
    let input = try activation(inputName)
    let output = try activation(outputName)
    let factor = Extent3(scale[0], scale[1], scale[2])
    let expected = Extent3(input.extent.depth * factor.depth, input.extent.height * factor.height, input.extent.width * factor.width)
    guard input.form == output.form, input.channels == output.channels, input.batch == output.batch,
      output.extent == expected, input.extent.depth * input.extent.height * input.extent.width == input.voxels
    else { throw FallbackReason("upsample_nearest between different layouts or shapes") }
    guard kernel.inputs("input").count == 1, let typeRank = program.buffer(named: inputName)?.type.rank, typeRank == 5 else {
      throw FallbackReason("upsample_nearest of a tensor that is not 5-D")
    }
    var slots = SlotAssignment()
    let inputSlot = try slot(inputName, in: &slots)
    let outputSlot = try slot(outputName, in: &slots)
    guard inputSlot != outputSlot else { throw FallbackReason("upsample_nearest in place") }
    let generator = ProgramUpsampleKernel(
      name: name, input: (inputSlot, input), output: (outputSlot, output), scale: factor, slotElementCounts: slots.elementCounts)
    return LoweredKernel(generator: generator, slots: slots, prologue: nil, epilogue: nil)
  }

  private func lowerChannelStatistics(_ kernel: Kernel, name: String) throws -> LoweredKernel {
    guard let inputName = kernel.input("input"), let statisticsName = kernel.output("stats") else {
      throw FallbackReason("channel_stats needs an input and statistics")
    }
    let input = try activation(inputName)
    let statistics = try buffer(statisticsName)
    guard let rank = program.buffer(named: inputName)?.type.rank, rank == 5, statistics.layout == .rowMajor,
      statistics.type.dtype == .f32, statistics.type.shape.count == 4,
      statistics.type.shape == [input.batch, input.channels, statistics.type.shape[2], 3], statistics.type.shape[2] >= 1
    else { throw FallbackReason("channel_stats of a tensor that is not 5-D, or odd statistics") }
    var slots = SlotAssignment()
    let inputSlot = try slot(inputName, in: &slots)
    let statisticsSlot = try slot(statisticsName, in: &slots)
    let generator = ChannelStatisticsKernel(
      name: name, input: (inputSlot, input), statisticsSlot: statisticsSlot, parts: statistics.type.shape[2],
      slotElementCounts: slots.elementCounts)
    return LoweredKernel(generator: generator, slots: slots, prologue: nil, epilogue: nil)
  }

  private func lowerArgmax(_ kernel: Kernel, name: String) throws -> LoweredKernel {
    guard let inputName = kernel.input("input"), let outputName = kernel.output("output"), kernel.int("axis") == 1 else {
      throw FallbackReason("argmax along an axis other than the channels")
    }
    let input = try activation(inputName)
    let output = try buffer(outputName)
    guard output.type.dtype == .i64, output.layout == .rowMajor, output.kind.viewBase == nil,
      output.type.shape == [input.batch] + Array((program.buffer(named: inputName)?.type.shape ?? []).dropFirst(2))
    else { throw FallbackReason("argmax into anything but a row-major i64 buffer") }
    var slots = SlotAssignment()
    let inputSlot = try slot(inputName, in: &slots)
    let outputSlot = slots.slot(try location(outputName), elements: output.byteCount / 4)
    guard inputSlot != outputSlot else { throw FallbackReason("argmax in place") }
    let generator = ChannelArgmaxKernel(
      name: name, input: (inputSlot, input), outputSlot: outputSlot,
      chunk: voxelChunk(voxels: input.voxels, otherTiles: input.batch), slotElementCounts: slots.elementCounts)
    return LoweredKernel(generator: generator, slots: slots, prologue: nil, epilogue: nil)
  }

  private func lowerSoftmax(_ kernel: Kernel, name: String) throws -> LoweredKernel {
    guard let inputName = kernel.input("input"), let outputName = kernel.output("output") else {
      throw FallbackReason("softmax needs an input and an output")
    }
    guard let rank = program.buffer(named: inputName)?.type.rank, rank == 5,
      let axis = kernel.int("axis"), axis == 1 || axis == 1 - rank
    else { throw FallbackReason("softmax along an axis other than the channels of a 5-D tensor") }
    let input = try activation(inputName)
    let output = try activation(outputName)
    guard input.batch == output.batch, input.channels == output.channels, input.voxels == output.voxels else {
      throw FallbackReason("softmax between different shapes")
    }
    var slots = SlotAssignment()
    let inputSlot = try slot(inputName, in: &slots)
    let outputSlot = try slot(outputName, in: &slots)
    if overlaps(inputName, outputName) && !(inputSlot == outputSlot && input.form == output.form) {
      throw FallbackReason("softmax over partly overlapping buffers or in place across layouts")
    }
    let generator = ChannelSoftmaxKernel(
      name: name, input: (inputSlot, input), output: (outputSlot, output),
      chunk: voxelChunk(voxels: input.voxels, otherTiles: input.batch), slotElementCounts: slots.elementCounts)
    return LoweredKernel(generator: generator, slots: slots, prologue: nil, epilogue: nil)
  }
}
