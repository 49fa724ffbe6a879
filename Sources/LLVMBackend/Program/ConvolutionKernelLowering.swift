// Lowers a conv3d_first / conv3d_direct / conv3d_1x1 kernel of the Kernel IR to a
// ConvolutionKernel: reads the geometry (ConvolutionDescriptor, shared with the interpreter), the
// operands' layouts and locations, picks the register tile from the cost model
// (ConvolutionTiling.automatic with this target's register budget), decides whether the output
// must be staged (it shares bytes with an input or the residual), and cuts the depth into slabs.
// Anything outside what the generator handles is reported as a fallback reason.
import KernelIR

extension ProgramLoweringContext {
  func lowerConvolution(_ kernel: Kernel, index: Int, name: String) throws -> LoweredKernel {
    let descriptor: ConvolutionDescriptor
    do {
      descriptor = try ConvolutionDescriptor(kernel, in: program, location: "kernel \(index)")
    } catch {
      throw FallbackReason("\(error)")
    }
    guard let weightName = kernel.input("weight"), let outputName = kernel.output("output") else {
      throw FallbackReason("a convolution needs a weight and an output")
    }
    let weight = try buffer(weightName)
    guard case .packedConvWeight(let weightLanes, 8) = weight.layout, weightLanes == 8 || weightLanes == 1 else {
      throw FallbackReason("weight layout \(weight.layout.name(rank: 5)) (the JIT reads OIDHW8i8o and OIDHW8o)")
    }
    var slots = SlotAssignment()
    let inputNames = kernel.inputs("input")
    var segments: [ConvolutionInputSegment] = []
    var weightBlock = 0
    for inputName in inputNames {
      let addressing = try activation(inputName)
      let expectedForm: ActivationAddressing.Form = weightLanes == 8 ? .blocked : .plain
      guard addressing.form == expectedForm else {
        throw FallbackReason("input %\(inputName) layout does not match the weight's input blocking")
      }
      segments.append(
        ConvolutionInputSegment(slot: try slot(inputName, in: &slots), addressing: addressing, weightBlockStart: weightBlock))
      weightBlock += addressing.blocks
    }
    let output = try activation(outputName)
    var residual: (slot: Int, addressing: ActivationAddressing)?
    if let residualName = kernel.input("residual") {
      residual = (try slot(residualName, in: &slots), try activation(residualName))
    }
    let weightSlot = try slot(weightName, in: &slots)
    let biasSlot = try kernel.input("bias").map { try slot($0, in: &slots) }
    let outputSlot = try slot(outputName, in: &slots)
    let staged = (inputNames + (kernel.input("residual").map { [$0] } ?? [])).contains { overlaps($0, outputName) }

    let padding = descriptor.padding
    var storedInput = Extent3(descriptor.storedInputSize[0], descriptor.storedInputSize[1], descriptor.storedInputSize[2])
    let upsample = Extent3(descriptor.upsample[0], descriptor.upsample[1], descriptor.upsample[2])
    let kernelExtent = Extent3(descriptor.kernelSize[0], descriptor.kernelSize[1], descriptor.kernelSize[2])
    let stride = Extent3(descriptor.stride[0], descriptor.stride[1], descriptor.stride[2])
    let paddingBefore = Extent3(padding[0], padding[2], padding[4])
    var outputExtent = Extent3(descriptor.outputSize[0], descriptor.outputSize[1], descriptor.outputSize[2])
    guard output.extent == outputExtent, output.channels == descriptor.outputChannels else {
      throw FallbackReason("output %\(outputName) \(output.extent) does not match the convolution's \(outputExtent)")
    }
    if upsample.width > 1 && (paddingBefore.width != 0 || kernelExtent.width != 1) {
      throw FallbackReason("an upsampled input along W needs a 1-wide kernel without W padding")
    }
    let outputBlocks = (descriptor.outputChannels + 7) / 8
    let statisticsName = kernel.output("stats")
    if statisticsName != nil && (staged || output.form != .blocked) {
      throw FallbackReason("statistics of a staged or NCDHW output")
    }
    // A unit-stride, unpadded, not upsampled 1x1x1 conv sees its volume as rows of H*W voxels.
    let pointwiseRows = descriptor.isPointwise && stride == Extent3(uniform: 1) && padding.allSatisfy { $0 == 0 }
      && upsample == Extent3(uniform: 1)
    if pointwiseRows && outputExtent.width < 48 && (!staged || outputBlocks * outputExtent.height * outputExtent.width * 32 <= 256 * 1024) {
      outputExtent = Extent3(outputExtent.depth, 1, outputExtent.height * outputExtent.width)
      storedInput = outputExtent
    }
    if staged && outputBlocks * outputExtent.width * 32 > 512 * 1024 {
      throw FallbackReason("a staged output row of \(outputBlocks * outputExtent.width * 32) bytes is too large for the stack")
    }

    var tiling = ConvolutionTiling.automatic(
      outputChannels: descriptor.outputChannels, outputWidth: max(1, outputExtent.width),
      inputChannels: descriptor.totalInputChannels, kernelVolume: kernelExtent.voxelCount,
      vectorRegisters: target.eightLaneVectorRegisters)
    if output.form == .plain && outputExtent.width >= 8 && !staged {
      // Runs of 8 positions are stored transposed (one vector per channel): 8 positions x G blocks.
      tiling.registerWidth = 8
      tiling.outputBlocksPerTile = max(1, min(outputBlocks, 4, (target.eightLaneVectorRegisters - 1) / 9))
    }
    if upsample.width > 1 {
      let factor = upsample.width
      var width = max(factor, tiling.registerWidth / factor * factor)
      while (width * stride.width) % factor != 0 { width += 1 }
      tiling.registerWidth = width
    }

    var statisticsSlot: Int?
    var parts = 1
    if let statisticsName {
      let statistics = try buffer(statisticsName)
      guard statistics.layout == .rowMajor, statistics.type.dtype == .f32, statistics.type.rank == 4,
        statistics.type.shape == [descriptor.batch, descriptor.outputChannels, statistics.type.shape[2], 3]
      else { throw FallbackReason("statistics %\(statisticsName) must be row-major f32 [N, C, P, 3]") }
      parts = max(1, statistics.type.shape[2])
    }
    let groups = (outputBlocks + tiling.outputBlocksPerTile - 1) / tiling.outputBlocksPerTile
    let groupsInside = descriptor.isPointwise && !staged && groups > 1
    let perSampleWork = staged || groupsInside ? 1 : groups
    let wantedSlabs = (targetTiles + descriptor.batch * perSampleWork - 1) / (descriptor.batch * perSampleWork)
    let slabsPerPart = max(1, min(max(1, outputExtent.depth / parts), (wantedSlabs + parts - 1) / parts))

    var spec = ConvolutionKernelSpec(
      name: name, segments: segments, weightSlot: weightSlot, weightLanes: weightLanes, totalWeightBlocks: weightBlock,
      biasSlot: biasSlot, residual: residual, slope: kernel.float("slope").map(Float.init), output: (outputSlot, output),
      statisticsSlot: nil, statisticsParts: statisticsName == nil ? 1 : parts, batch: descriptor.batch,
      outputChannels: descriptor.outputChannels, storedInput: storedInput, upsample: upsample, kernel: kernelExtent,
      stride: stride, paddingBefore: paddingBefore, outputExtent: outputExtent, tiling: tiling, staged: staged,
      groupsInside: groupsInside,
      slabsPerPart: slabsPerPart, unrolledLanes: self.unrolledLanes)
    var epilogue: HostStep?
    if let statisticsName {
      let scratch = reserveScratch(floats: spec.statisticsScratchCount * 2)
      statisticsSlot = slots.slot(scratch, elements: spec.statisticsScratchCount * 2)
      spec.statisticsSlot = statisticsSlot
      epilogue = .mergeStatistics(
        StatisticsFinalization(
          scratch: scratch, statistics: try location(statisticsName), batch: descriptor.batch,
          channels: descriptor.outputChannels, parts: parts, slabsPerPart: slabsPerPart))
    }
    return LoweredKernel(
      generator: ConvolutionKernel(spec: spec, slotElementCounts: slots.elementCounts), slots: slots, prologue: nil,
      epilogue: epilogue)
  }
}
