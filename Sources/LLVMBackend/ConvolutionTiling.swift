// How a direct convolution is cut into register tiles, thread tiles and cache passes.
//
// * registerWidth (RW): consecutive output W positions computed together;
// * outputBlocksPerTile (G): output-channel blocks of 8 computed together. RW x G accumulators
//   of <8 x float> stay in registers (AVX2 has 16 ymm registers: RW*G + G weights + 1 broadcast
//   must fit, e.g. 6 x 2 = 12 accumulators);
// * depthPerTile: output depth planes per thread tile (tiles = output-channel groups x depth slabs);
// * inputBlocksPerPass: input-channel blocks accumulated per pass over an output row (0 = all);
//   smaller values keep the packed weights of one pass in L1/L2 for wide layers.

public struct ConvolutionTiling: Hashable, Sendable, CustomStringConvertible {
  public var registerWidth: Int
  public var outputBlocksPerTile: Int
  public var depthPerTile: Int
  public var inputBlocksPerPass: Int

  public init(registerWidth: Int, outputBlocksPerTile: Int, depthPerTile: Int = 1, inputBlocksPerPass: Int = 0) {
    self.registerWidth = registerWidth
    self.outputBlocksPerTile = outputBlocksPerTile
    self.depthPerTile = depthPerTile
    self.inputBlocksPerPass = inputBlocksPerPass
  }

  public var description: String {
    "rw=\(registerWidth) ocb=\(outputBlocksPerTile) depth=\(depthPerTile) icpass=\(inputBlocksPerPass)"
  }

  /// Accumulator registers used by the micro-kernel.
  public var accumulatorCount: Int { registerWidth * outputBlocksPerTile }

  /// A register tile for AVX2 (16 vector registers) chosen from the output width and channels:
  /// 6 x 2 for wide rows, fewer W positions and more channel blocks for narrow rows.
  public static func automatic(outputChannels: Int, outputWidth: Int, inputChannels: Int, kernelVolume: Int) -> ConvolutionTiling {
    let outputBlocks = BlockedLayout.channelBlocks(outputChannels)
    var width = 6
    var blocks = 2
    if outputBlocks == 1 {
      width = 12
      blocks = 1
    } else if outputWidth < 12 && outputBlocks % 4 == 0 {
      width = outputWidth % 3 == 0 ? 3 : (outputWidth >= 4 ? 2 : outputWidth)
      blocks = 4
    }
    width = max(1, min(width, outputWidth))
    // Keep one pass's weights (IC * kernel * 8 * G floats) around 64 KiB.
    let bytesPerInputBlock = 8 * kernelVolume * 8 * blocks * 4
    let inputBlocks = BlockedLayout.channelBlocks(inputChannels)
    let perPass = max(1, (64 * 1024) / max(1, bytesPerInputBlock))
    return ConvolutionTiling(
      registerWidth: width, outputBlocksPerTile: min(blocks, outputBlocks), depthPerTile: 1,
      inputBlocksPerPass: perPass >= inputBlocks ? 0 : perPass)
  }
}
