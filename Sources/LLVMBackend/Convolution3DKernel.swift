// Generator for the direct 3-D convolution in blocked layout: NCDHW8c input -> NCDHW8c output,
// any kernel size, stride and (symmetric) padding per axis, optional bias and instance-norm
// statistics epilogue. The emission itself is DirectConvolutionEmitter.
//
// Buffers, in order: input [NCDHW8c], packedWeights (packWeights), bias [8*ceil(OC/8)] when
// hasBias, output [NCDHW8c], statistics [fp64, statisticsCount] when computesStatistics.
// Tiles: ceil(OC/8/G) output-channel groups x ceil(OD/depthPerTile) depth slabs.

public struct Convolution3DSpec: Hashable, Sendable {
  public var name: String
  public var inputChannels: Int
  public var outputChannels: Int
  public var inputExtent: Extent3
  public var kernel: Extent3
  public var stride: Extent3
  public var padding: Extent3
  public var hasBias: Bool
  public var computesStatistics: Bool
  /// nil: ConvolutionTiling.automatic.
  public var tiling: ConvolutionTiling?

  public init(
    name: String, inputChannels: Int, outputChannels: Int, inputExtent: Extent3,
    kernel: Extent3 = Extent3(uniform: 3), stride: Extent3 = Extent3(uniform: 1), padding: Extent3 = Extent3(uniform: 1),
    hasBias: Bool = false, computesStatistics: Bool = false, tiling: ConvolutionTiling? = nil
  ) {
    self.name = name
    self.inputChannels = inputChannels
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

public struct Convolution3DKernel: KernelGenerator {
  public let spec: Convolution3DSpec
  let geometry: ConvolutionGeometry

  /// `target` decides the register budget of the tile (it must be the target the kernel is compiled for).
  public init(_ spec: Convolution3DSpec, target: TargetDescription = .detectedHost) throws {
    self.spec = spec
    var geometry = ConvolutionGeometry(
      kernelLabel: "conv3d '\(spec.name)'", inputChannels: spec.inputChannels, outputChannels: spec.outputChannels,
      inputExtent: spec.inputExtent, kernel: spec.kernel, stride: spec.stride, padding: spec.padding,
      inputIsBlocked: true, tiling: ConvolutionTiling(registerWidth: 1, outputBlocksPerTile: 1),
      hasBias: spec.hasBias, computesStatistics: spec.computesStatistics)
    geometry.tiling = spec.tiling ?? ConvolutionTiling.automatic(
      outputChannels: spec.outputChannels, outputWidth: max(1, geometry.outputExtent.width),
      inputChannels: spec.inputChannels, kernelVolume: spec.kernel.voxelCount,
      vectorRegisters: target.eightLaneVectorRegisters)
    try geometry.validate()
    self.geometry = geometry
  }

  public var kernelName: String { spec.name }
  public var tileCount: Int { geometry.tileCount }
  public var buffers: [KernelBufferDescriptor] { geometry.bufferDescriptors }
  public var flopCount: Int { geometry.flopCount }
  public var tiling: ConvolutionTiling { geometry.tiling }
  public var outputExtent: Extent3 { geometry.outputExtent }
  /// Depth slabs per output channel (the statistics scratch has one entry per slab and channel).
  public var depthTiles: Int { geometry.depthTiles }
  public var statisticsCount: Int { geometry.statisticsCount }
  public var packedWeightCount: Int { geometry.packedWeightCount }

  /// PyTorch weights [OC][IC][KD][KH][KW] -> the packed order the kernel reads.
  public func packWeights(_ weights: UnsafeBufferPointer<Float>) throws -> [Float] { try geometry.packWeights(weights) }
  public func packWeights(_ weights: [Float]) throws -> [Float] { try weights.withUnsafeBufferPointer { try packWeights($0) } }
  /// Bias [OC] -> [8 * ceil(OC/8)] with zero tails.
  public func packBias(_ bias: [Float]) throws -> [Float] { try bias.withUnsafeBufferPointer { try geometry.packBias($0) } }

  public func emitBody(_ builder: KernelFunctionBuilder) throws {
    try DirectConvolutionEmitter(geometry: geometry).emit(builder)
  }
}
