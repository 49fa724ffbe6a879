// The shape facts shared by all direct-convolution kernels (3x3x3, first conv, 1x1x1), and the
// packing of PyTorch weights [OC][IC][KD][KH][KW] into the order the micro-kernel streams them:
//
//   packed[group][icBlock][kd][kh][kw][lane][j][8]
//
// where group = output-channel group of G blocks (the last group may have fewer), lane = input
// channel within the block (8 for blocked input, 1 for single-channel plain input), j = block
// within the group and the innermost 8 = output channels of that block. One micro-kernel step
// reads G consecutive vectors; the whole stream is sequential (prefetch friendly). Missing
// channels (tails) are zero.

struct ConvolutionGeometry: Hashable {
  var kernelLabel: String
  var inputChannels: Int
  var outputChannels: Int
  var inputExtent: Extent3
  var kernel: Extent3
  var stride: Extent3
  var padding: Extent3
  /// true: NCDHW8c input; false: one channel, plain [D][H][W].
  var inputIsBlocked: Bool
  var tiling: ConvolutionTiling
  var hasBias: Bool
  var computesStatistics: Bool
  /// Non-temporal output stores (only with a single input-channel pass and no statistics, which
  /// read the output back).
  var streamingStores = false

  var outputExtent: Extent3 {
    Extent3(
      (inputExtent.depth + 2 * padding.depth - kernel.depth) / stride.depth + 1,
      (inputExtent.height + 2 * padding.height - kernel.height) / stride.height + 1,
      (inputExtent.width + 2 * padding.width - kernel.width) / stride.width + 1)
  }

  var inputBlocks: Int { inputIsBlocked ? BlockedLayout.channelBlocks(inputChannels) : 1 }
  var fullInputBlocks: Int { inputIsBlocked ? inputChannels / 8 : 1 }
  var lanesPerInputBlock: Int { inputIsBlocked ? 8 : 1 }
  var outputBlocks: Int { BlockedLayout.channelBlocks(outputChannels) }
  var groupCount: Int { (outputBlocks + tiling.outputBlocksPerTile - 1) / tiling.outputBlocksPerTile }
  var lastGroupBlocks: Int { outputBlocks - (groupCount - 1) * tiling.outputBlocksPerTile }
  var depthTiles: Int { (outputExtent.depth + tiling.depthPerTile - 1) / tiling.depthPerTile }
  var tileCount: Int { groupCount * depthTiles }
  var kernelVolume: Int { kernel.voxelCount }
  var inputBlocksPerPass: Int { tiling.inputBlocksPerPass <= 0 ? inputBlocks : min(tiling.inputBlocksPerPass, inputBlocks) }
  var passCount: Int { (inputBlocks + inputBlocksPerPass - 1) / inputBlocksPerPass }

  var inputElementCount: Int {
    inputIsBlocked ? BlockedLayout.elementCount(channels: inputChannels, extent: inputExtent) : inputExtent.voxelCount
  }
  var outputElementCount: Int { BlockedLayout.elementCount(channels: outputChannels, extent: outputExtent) }
  var packedWeightCount: Int { outputBlocks * 8 * inputBlocks * lanesPerInputBlock * kernelVolume }
  var paddedOutputChannels: Int { outputBlocks * 8 }
  /// Statistics scratch: [outputBlock][depthTile][count, mean, M2][8] doubles.
  var statisticsCount: Int { outputBlocks * depthTiles * 3 * 8 }
  /// 2 FLOP per multiply-add over real channels (tails and padding excluded from the count).
  var flopCount: Int { 2 * outputExtent.voxelCount * outputChannels * inputChannels * kernelVolume }

  func validate() throws {
    func fail(_ reason: String) -> BackendError { .invalidSpec(kernel: kernelLabel, reason: reason) }
    guard inputChannels > 0, outputChannels > 0 else { throw fail("channel counts must be positive") }
    guard inputIsBlocked || inputChannels == 1 else { throw fail("plain input must have exactly 1 channel") }
    guard inputExtent.allPositive, kernel.allPositive, stride.allPositive, padding.allNonNegative else {
      throw fail("sizes, kernel and stride must be positive and padding non-negative")
    }
    guard inputExtent.depth + 2 * padding.depth >= kernel.depth,
      inputExtent.height + 2 * padding.height >= kernel.height,
      inputExtent.width + 2 * padding.width >= kernel.width
    else { throw fail("kernel \(kernel) is larger than the padded input \(inputExtent)") }
    guard tiling.registerWidth >= 1, tiling.registerWidth <= 32, tiling.outputBlocksPerTile >= 1,
      tiling.outputBlocksPerTile <= 8, tiling.depthPerTile >= 1, tiling.inputBlocksPerPass >= 0
    else { throw fail("tiling \(tiling) is out of range") }
    guard !streamingStores || (passCount == 1 && !computesStatistics) else {
      throw fail("streaming stores need one input-channel pass and no statistics (both re-read the output)")
    }
    // Byte sizes of every buffer must fit in Int (sizes may come from model files).
    let channelFloats = max(inputBlocks, outputBlocks) * 8
    guard inputExtent.checkedVoxelCount(times: channelFloats * 4) != nil,
      kernel.checkedVoxelCount(times: (inputBlocks * 8 * outputBlocks * 8).multipliedReportingOverflow(by: 4).partialValue) != nil,
      inputChannels < 1 << 24, outputChannels < 1 << 24
    else { throw fail("tensor of \(max(inputChannels, outputChannels)) x \(inputExtent) is too large for one kernel") }
  }

  /// Packs PyTorch-ordered weights [OC][IC][KD][KH][KW] (count OC*IC*KD*KH*KW).
  func packWeights(_ weights: UnsafeBufferPointer<Float>) throws -> [Float] {
    let expected = outputChannels * inputChannels * kernelVolume
    guard weights.count == expected else {
      throw BackendError.bufferSizeMismatch(kernel: kernelLabel, buffer: "weights", expected: expected, actual: weights.count)
    }
    var packed = [Float](repeating: 0, count: packedWeightCount)
    let lanes = lanesPerInputBlock
    let fullGroup = tiling.outputBlocksPerTile
    for group in 0..<groupCount {
      let blocksInGroup = group == groupCount - 1 ? lastGroupBlocks : fullGroup
      let groupBase = group * inputBlocks * kernelVolume * lanes * fullGroup * 8
      for inputBlock in 0..<inputBlocks {
        for tap in 0..<kernelVolume {
          for lane in 0..<lanes {
            let inputChannel = inputBlock * lanes + lane
            guard inputChannel < inputChannels else { continue }
            for j in 0..<blocksInGroup {
              for outputLane in 0..<8 {
                let outputChannel = (group * fullGroup + j) * 8 + outputLane
                guard outputChannel < outputChannels else { continue }
                let destination =
                  groupBase + (((inputBlock * kernelVolume + tap) * lanes + lane) * blocksInGroup + j) * 8 + outputLane
                packed[destination] = weights[(outputChannel * inputChannels + inputChannel) * kernelVolume + tap]
              }
            }
          }
        }
      }
    }
    return packed
  }

  /// Bias padded to whole output blocks.
  func packBias(_ bias: UnsafeBufferPointer<Float>) throws -> [Float] {
    guard bias.count == outputChannels else {
      throw BackendError.bufferSizeMismatch(kernel: kernelLabel, buffer: "bias", expected: outputChannels, actual: bias.count)
    }
    var padded = [Float](repeating: 0, count: paddedOutputChannels)
    for channel in 0..<outputChannels { padded[channel] = bias[channel] }
    return padded
  }

  var bufferDescriptors: [KernelBufferDescriptor] {
    var descriptors = [
      KernelBufferDescriptor(name: "input", elementCount: inputElementCount, access: .read),
      KernelBufferDescriptor(name: "packedWeights", elementCount: packedWeightCount, access: .read),
    ]
    if hasBias { descriptors.append(KernelBufferDescriptor(name: "bias", elementCount: paddedOutputChannels, access: .read)) }
    descriptors.append(KernelBufferDescriptor(name: "output", elementCount: outputElementCount, access: .write))
    if computesStatistics {
      descriptors.append(
        KernelBufferDescriptor(name: "statistics", elementType: .float64, elementCount: statisticsCount, access: .write))
    }
    return descriptors
  }
}
