// Tile sizes and thread splits, stored on each kernel as attributes for the code generators
// (IREE's idea: the schedule is part of the IR, visible in dumps and overridable by hand).
//
// Convolutions (DESIGN.md §3.8): a register block of `register_block = [oc, w]` outputs, e.g.
// 16 output channels (two vectors) x 6 consecutive W positions = 12 accumulators on AVX2; input
// channels in cache blocks of `ic_block` so the weights of one block stay in L1; a task computes
// `tile = [oc, d, h, w]` outputs, sized so its input rows stay in L2; `threads = [oc, d]` splits
// the output channels and the depth slabs over the thread pool. Element-wise kernels: `tile =
// [elements per task]`, `threads = [tasks]`.

import GraphIR

enum TileHeuristics {
  /// `index` is the program's `bufferIndex`.
  static func attributes(
    for kernel: Kernel, in program: KernelProgram, index: [String: Int], target: TargetDescription
  ) throws -> [String: Attribute] {
    if kernel.kind.isConvolution {
      let geometry = try ConvolutionDescriptor(
        kernel, in: program, bufferIndex: index, location: "kernel \(kernel.kind.rawValue)")
      let inputBlock = kernel.input("input").flatMap { index[$0] }.flatMap { program.buffers[$0].layout.channelBlock } ?? 1
      return convolution(geometry, inputBlock: inputBlock, target: target, statisticsParts: kernel.int("stat_parts"))
    }
    let elements = kernel.outputs.compactMap { index[$0.buffer] }.map { program.buffers[$0].type.elementCount ?? 0 }.max() ?? 0
    return elementwise(elements: elements, target: target)
  }

  static func convolution(
    _ geometry: ConvolutionDescriptor, inputBlock: Int, target: TargetDescription, statisticsParts: Int?
  ) -> [String: Attribute] {
    let vector = max(target.vectorWidth, 1)
    let paddedOutput = (geometry.outputChannels + vector - 1) / vector * vector
    let outputRegister = paddedOutput >= 2 * vector ? 2 * vector : paddedOutput
    let accumulators = 12
    let widthRegister = max(1, min(geometry.outputSize[2], accumulators / max(outputRegister / vector, 1)))
    let paddedInput = geometry.inputChannels.reduce(0) { $0 + ($1 + inputBlock - 1) / inputBlock * inputBlock }
    let weightBytesPerInputChannel = outputRegister * geometry.kernelVolume * 4
    var inputCache = max(1, (target.l1DataBytes / 2) / max(weightBytesPerInputChannel, 1))
    if inputBlock > 1 { inputCache = max(inputBlock, inputCache / inputBlock * inputBlock) }
    inputCache = min(inputCache, paddedInput)
    let inputRowBytes = inputCache * geometry.kernelSize[0] * geometry.inputSize[2] * 4
    let rowBudget = max(1, (target.l2Bytes / 2) / max(inputRowBytes, 1))
    let rows = max(1, min(geometry.outputSize[1], (rowBudget - geometry.kernelSize[1] + 1) / geometry.stride[1]))
    let depthParts = statisticsParts ?? max(1, min(geometry.outputSize[0], 4 * target.threads))
    let channelParts = depthParts >= target.threads ? 1 : min(paddedOutput / outputRegister, (target.threads + depthParts - 1) / depthParts)
    return [
      "register_block": .ints([outputRegister, widthRegister]), "ic_block": .int(inputCache),
      "tile": .ints([outputRegister, 1, rows, geometry.outputSize[2]]),
      "threads": .ints([max(channelParts, 1), depthParts]),
    ]
  }

  static func elementwise(elements: Int, target: TargetDescription) -> [String: Attribute] {
    let perTask = max(1, min(max(elements, 1), 64 * 1024))
    let tasks = max(1, min(4 * target.threads, (elements + perTask - 1) / perTask))
    return ["tile": .ints([perTask]), "threads": .ints([tasks])]
  }
}
