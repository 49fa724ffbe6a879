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

  /// Estimated cycles per (input lane, tap) step for one output row: each register tile of w
  /// positions x g blocks costs the larger of its FMA issue time (w*g / 2 pipes), its load time
  /// ((w + g) loads / 2 ports) and the time a chain waits for its previous FMA. Measured on Zen:
  /// 12 accumulator chains reach the peak, 8-10 fall 5-10 % short, so the wait is taken as
  /// 6 cycles (12 chains / 2 pipes) rather than the nominal latency of 4.
  static func estimatedRowCost(width: Int, outputBlocks: Int, registerWidth w: Int, blocksPerTile g: Int) -> Double {
    func tileCost(_ tileWidth: Int, _ tileBlocks: Int) -> Double {
      max(Double(tileWidth * tileBlocks) / 2, Double(tileWidth + tileBlocks) / 2, 6)
    }
    let fullGroups = outputBlocks / g
    let lastGroup = outputBlocks % g
    var cost = 0.0
    for (groups, blocks) in [(fullGroups, g), (lastGroup > 0 ? 1 : 0, lastGroup)] where groups > 0 {
      var rowCost = Double(width / w) * tileCost(w, blocks)
      if width % w != 0 { rowCost += tileCost(width % w, blocks) }
      cost += Double(groups) * rowCost
    }
    return cost
  }

  /// The register tile (w positions x g channel blocks, w*g + g + 1 <= registers) with the
  /// lowest estimated cost for this row width and channel count, e.g. 6 x 2 for 16 channels at
  /// W = 128 and 4 x 3 for 64..512 channels at W = 8..32. Input-channel passes keep one pass's
  /// packed weights near 64 KiB (L2-resident with room for the input rows).
  public static func automatic(
    outputChannels: Int, outputWidth: Int, inputChannels: Int, kernelVolume: Int, vectorRegisters: Int = 16
  ) -> ConvolutionTiling {
    let outputBlocks = BlockedLayout.channelBlocks(outputChannels)
    var best = (cost: Double.infinity, width: 1, blocks: 1)
    for blocks in 1...min(vectorRegisters >= 32 ? 6 : 4, outputBlocks) {
      for width in 1...max(1, min(outputWidth, 28)) where width * blocks + blocks + 1 <= vectorRegisters {
        let cost = estimatedRowCost(width: outputWidth, outputBlocks: outputBlocks, registerWidth: width, blocksPerTile: blocks)
        let better = cost < best.cost - 1e-9 || (abs(cost - best.cost) <= 1e-9 && width * blocks > best.width * best.blocks)
        if better { best = (cost, width, blocks) }
      }
    }
    let bytesPerInputBlock = 8 * kernelVolume * 8 * best.blocks * 4
    let inputBlocks = BlockedLayout.channelBlocks(inputChannels)
    let perPass = max(1, (64 * 1024) / max(1, bytesPerInputBlock))
    return ConvolutionTiling(
      registerWidth: best.width, outputBlocksPerTile: best.blocks, depthPerTile: 1,
      inputBlocksPerPass: perPass >= inputBlocks ? 0 : perPass)
  }
}
