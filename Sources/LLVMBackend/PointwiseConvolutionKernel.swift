// Generator for 1x1x1 convolutions in blocked layout (STU-Net's shortcut projections, the
// decoder's upsample convs and the segmentation head). This is a GEMM over channels: with stride 1
// the spatial axes are contiguous, so the volume is viewed as rows of at least ~48 voxels
// (W, or H*W, or D*H*W) and the register-blocked micro-kernel runs over whole rows (no borders);
// with a stride, it is the direct convolution with a 1x1x1 kernel.
//
// Buffers: input [NCDHW8c], packedWeights, bias [8*ceil(OC/8)] when hasBias, output [NCDHW8c],
// statistics [fp64, over `depthTiles` slabs of the row view] when computesStatistics.

public struct PointwiseConvolutionSpec: Hashable, Sendable {
  public var name: String
  public var inputChannels: Int
  public var outputChannels: Int
  public var inputExtent: Extent3
  public var stride: Extent3
  public var hasBias: Bool
  public var computesStatistics: Bool
  /// Non-temporal stores for outputs much larger than the caches (e.g. the 105-class head).
  public var streamingStores: Bool
  public var tiling: ConvolutionTiling?

  public init(
    name: String, inputChannels: Int, outputChannels: Int, inputExtent: Extent3, stride: Extent3 = Extent3(uniform: 1),
    hasBias: Bool = true, computesStatistics: Bool = false, streamingStores: Bool = false, tiling: ConvolutionTiling? = nil
  ) {
    self.name = name
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    self.inputExtent = inputExtent
    self.stride = stride
    self.hasBias = hasBias
    self.computesStatistics = computesStatistics
    self.streamingStores = streamingStores
    self.tiling = tiling
  }
}

public struct PointwiseConvolutionKernel: KernelGenerator {
  public let spec: PointwiseConvolutionSpec
  let geometry: ConvolutionGeometry

  /// The (depth, 1, row) view of a contiguous volume with rows of at least `minimumRow` voxels.
  static func rowView(of extent: Extent3, minimumRow: Int = 48) -> Extent3 {
    if extent.width >= minimumRow { return Extent3(extent.depth * extent.height, 1, extent.width) }
    if extent.width * extent.height >= minimumRow || extent.depth == 1 {
      return Extent3(extent.depth, 1, extent.height * extent.width)
    }
    return Extent3(1, 1, extent.voxelCount)
  }

  /// `target` decides the register budget of the tile (it must be the target the kernel is compiled for).
  public init(_ spec: PointwiseConvolutionSpec, target: TargetDescription = .detectedHost) throws {
    self.spec = spec
    let unitStride = spec.stride == Extent3(uniform: 1)
    let viewExtent = unitStride ? PointwiseConvolutionKernel.rowView(of: spec.inputExtent) : spec.inputExtent
    var geometry = ConvolutionGeometry(
      kernelLabel: "pointwise conv '\(spec.name)'", inputChannels: spec.inputChannels, outputChannels: spec.outputChannels,
      inputExtent: viewExtent, kernel: Extent3(uniform: 1), stride: spec.stride, padding: Extent3(uniform: 0),
      inputIsBlocked: true, tiling: ConvolutionTiling(registerWidth: 1, outputBlocksPerTile: 1),
      hasBias: spec.hasBias, computesStatistics: spec.computesStatistics)
    geometry.tiling = spec.tiling ?? ConvolutionTiling.automatic(
      outputChannels: spec.outputChannels, outputWidth: max(1, geometry.outputExtent.width),
      inputChannels: spec.inputChannels, kernelVolume: 1, vectorRegisters: target.eightLaneVectorRegisters)
    if spec.streamingStores {
      geometry.streamingStores = true
      geometry.tiling.inputBlocksPerPass = 0
    }
    try geometry.validate()
    self.geometry = geometry
  }

  public var kernelName: String { spec.name }
  public var tileCount: Int { geometry.tileCount }
  public var buffers: [KernelBufferDescriptor] { geometry.bufferDescriptors }
  public var flopCount: Int { geometry.flopCount }
  public var tiling: ConvolutionTiling { geometry.tiling }
  public var depthTiles: Int { geometry.depthTiles }
  public var statisticsCount: Int { geometry.statisticsCount }
  public var packedWeightCount: Int { geometry.packedWeightCount }
  /// The real output extent (the kernel may work on a reshaped row view of it).
  public var outputExtent: Extent3 {
    Extent3(
      (spec.inputExtent.depth - 1) / spec.stride.depth + 1, (spec.inputExtent.height - 1) / spec.stride.height + 1,
      (spec.inputExtent.width - 1) / spec.stride.width + 1)
  }

  /// PyTorch weights [OC][IC][1][1][1] (or [OC][IC]) -> packed.
  public func packWeights(_ weights: [Float]) throws -> [Float] { try weights.withUnsafeBufferPointer { try geometry.packWeights($0) } }
  public func packBias(_ bias: [Float]) throws -> [Float] { try bias.withUnsafeBufferPointer { try geometry.packBias($0) } }

  public func emitBody(_ builder: KernelFunctionBuilder) throws {
    try DirectConvolutionEmitter(geometry: geometry).emit(builder)
  }
}
