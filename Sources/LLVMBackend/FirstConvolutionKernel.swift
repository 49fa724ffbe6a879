// Generator for the network's first convolution(s), whose input has a single channel: the input
// stays a plain [D][H][W] volume (blocking one channel would waste 7/8 of the memory traffic) and
// the output is NCDHW8c. Same register-blocked micro-kernel as the 3-D convolution, with one input
// lane per tap; also serves the stem's 1x1x1 shortcut (kernel 1, padding 0).
//
// Buffers: input [D*H*W], packedWeights, bias [8*ceil(OC/8)] when hasBias, output [NCDHW8c],
// statistics [fp64] when computesStatistics. Tiles: output-channel groups x depth slabs.

public struct FirstConvolutionSpec: Hashable, Sendable {
  public var name: String
  public var outputChannels: Int
  public var inputExtent: Extent3
  public var kernel: Extent3
  public var stride: Extent3
  public var padding: Extent3
  public var hasBias: Bool
  public var computesStatistics: Bool
  public var tiling: ConvolutionTiling?

  public init(
    name: String, outputChannels: Int, inputExtent: Extent3, kernel: Extent3 = Extent3(uniform: 3),
    stride: Extent3 = Extent3(uniform: 1), padding: Extent3 = Extent3(uniform: 1), hasBias: Bool = false,
    computesStatistics: Bool = false, tiling: ConvolutionTiling? = nil
  ) {
    self.name = name
    self.outputChannels = outputChannels
    self.inputExtent = inputExtent
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.hasBias = hasBias
    self.computesStatistics = computesStatistics
    self.tiling = tiling
  }
}

public struct FirstConvolutionKernel: KernelGenerator {
  public let spec: FirstConvolutionSpec
  let geometry: ConvolutionGeometry

  /// `target` decides the register budget of the tile (it must be the target the kernel is compiled for).
  public init(_ spec: FirstConvolutionSpec, target: TargetDescription = .detectedHost) throws {
    self.spec = spec
    var geometry = ConvolutionGeometry(
      kernelLabel: "first conv '\(spec.name)'", inputChannels: 1, outputChannels: spec.outputChannels,
      inputExtent: spec.inputExtent, kernel: spec.kernel, stride: spec.stride, padding: spec.padding,
      inputIsBlocked: false, tiling: ConvolutionTiling(registerWidth: 1, outputBlocksPerTile: 1),
      hasBias: spec.hasBias, computesStatistics: spec.computesStatistics)
    geometry.tiling = spec.tiling ?? ConvolutionTiling.automatic(
      outputChannels: spec.outputChannels, outputWidth: max(1, geometry.outputExtent.width), inputChannels: 1,
      kernelVolume: spec.kernel.voxelCount, vectorRegisters: target.eightLaneVectorRegisters)
    try geometry.validate()
    self.geometry = geometry
  }

  public var kernelName: String { spec.name }
  public var tileCount: Int { geometry.tileCount }
  public var buffers: [KernelBufferDescriptor] { geometry.bufferDescriptors }
  public var flopCount: Int { geometry.flopCount }
  public var tiling: ConvolutionTiling { geometry.tiling }
  public var outputExtent: Extent3 { geometry.outputExtent }
  public var depthTiles: Int { geometry.depthTiles }
  public var statisticsCount: Int { geometry.statisticsCount }
  public var packedWeightCount: Int { geometry.packedWeightCount }

  /// PyTorch weights [OC][1][KD][KH][KW] -> packed [group][kd][kh][kw][j][8].
  public func packWeights(_ weights: [Float]) throws -> [Float] { try weights.withUnsafeBufferPointer { try geometry.packWeights($0) } }
  public func packBias(_ bias: [Float]) throws -> [Float] { try bias.withUnsafeBufferPointer { try geometry.packBias($0) } }

  public func emitBody(_ builder: KernelFunctionBuilder) throws {
    try DirectConvolutionEmitter(geometry: geometry).emit(builder)
  }
}
