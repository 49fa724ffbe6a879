// A register-only FMA loop that measures this machine's attainable floating-point peak (the
// denominator of every "% of peak" figure): each tile runs `iterations` rounds of 12 independent
// <8 x float> FMA chains (enough to cover FMA latency x pipes on AVX2 cores) and stores the sum.
// Run with one tile per thread. FLOP = tiles x iterations x 12 x 8 lanes x 2.

public struct PeakThroughputProbe: KernelGenerator {
  public let iterations: Int
  public let tiles: Int
  public static let chains = 12

  public init(iterations: Int = 20_000_000, tiles: Int) {
    self.iterations = max(1, iterations)
    self.tiles = max(1, tiles)
  }

  public var kernelName: String { "stunetc_peak_probe_\(tiles)" }
  public var tileCount: Int { tiles }
  public var buffers: [KernelBufferDescriptor] { [KernelBufferDescriptor(name: "sink", elementCount: tiles * 8, access: .write)] }
  public var flopCount: Int { tiles * iterations * PeakThroughputProbe.chains * 16 }

  public func emitBody(_ b: KernelFunctionBuilder) throws {
    let sink = b.bufferArguments[0]
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let chains = (0..<PeakThroughputProbe.chains).map { k in b.variable(b.floatVectorType, initial: b.splat(Float(k) * 0.001)) }
      let multiplier = b.splat(Float(0.999_999))
      let addend = b.splat(Float(1e-7))
      b.forLoop(count: iterations) { _ in
        for chain in chains { b.write(b.fma(b.read(chain, b.floatVectorType), multiplier, addend), chain) }
      }
      var total = b.read(chains[0], b.floatVectorType)
      for chain in chains.dropFirst() { total = b.fadd(total, b.read(chain, b.floatVectorType)) }
      b.storeVector(total, sink, b.multiply(tile, 8), alignment: 4)
    }
  }
}
