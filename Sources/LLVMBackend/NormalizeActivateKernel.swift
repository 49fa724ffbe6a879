// Generator for the in-place instance-norm application pass on an NCDHW8c tensor:
//   y = x * scale[c] + shift[c]  (+ residual)  then LeakyReLU (y > 0 ? y : slope * y),
// where scale/shift come from InstanceNormStatistics.affineCoefficients (they fold mean, variance,
// eps, gamma and beta). The residual is added before the activation, as in STU-Net's residual
// block (conv2 -> norm2 -> + shortcut -> LeakyReLU). Tail lanes have scale = shift = 0 and stay 0.
//
// Buffers: data [NCDHW8c, read-write], scale [8*CB], shift [8*CB], residual [NCDHW8c] when
// hasResidual (must not alias data). Tiles: CB channel blocks x ceil(D / depthPerTile) slabs.

public struct NormalizeActivateSpec: Hashable, Sendable {
  public var name: String
  public var channels: Int
  public var extent: Extent3
  public var hasResidual: Bool
  /// LeakyReLU slope; nil applies no activation.
  public var negativeSlope: Float?
  public var depthPerTile: Int

  public init(name: String, channels: Int, extent: Extent3, hasResidual: Bool = false, negativeSlope: Float? = 0.01, depthPerTile: Int = 4) {
    self.name = name
    self.channels = channels
    self.extent = extent
    self.hasResidual = hasResidual
    self.negativeSlope = negativeSlope
    self.depthPerTile = depthPerTile
  }
}

public struct NormalizeActivateKernel: KernelGenerator {
  public let spec: NormalizeActivateSpec

  public init(_ spec: NormalizeActivateSpec) throws {
    guard spec.channels > 0, spec.channels < 1 << 24, spec.extent.allPositive, spec.depthPerTile > 0,
      spec.extent.checkedVoxelCount(times: BlockedLayout.channelBlocks(spec.channels) * 32) != nil
    else {
      throw BackendError.invalidSpec(kernel: "normalize '\(spec.name)'", reason: "channels, extent and depthPerTile must be positive and the tensor must fit in memory")
    }
    self.spec = spec
  }

  var channelBlocks: Int { BlockedLayout.channelBlocks(spec.channels) }
  var depthTiles: Int { (spec.extent.depth + spec.depthPerTile - 1) / spec.depthPerTile }
  var elementCount: Int { BlockedLayout.elementCount(channels: spec.channels, extent: spec.extent) }

  public var kernelName: String { spec.name }
  public var tileCount: Int { channelBlocks * depthTiles }
  public var flopCount: Int { spec.channels * spec.extent.voxelCount * (spec.hasResidual ? 4 : 3) }
  public var buffers: [KernelBufferDescriptor] {
    var list = [
      KernelBufferDescriptor(name: "data", elementCount: elementCount, access: .readWrite),
      KernelBufferDescriptor(name: "scale", elementCount: channelBlocks * 8, access: .read),
      KernelBufferDescriptor(name: "shift", elementCount: channelBlocks * 8, access: .read),
    ]
    if spec.hasResidual { list.append(KernelBufferDescriptor(name: "residual", elementCount: elementCount, access: .read)) }
    return list
  }

  public func emitBody(_ b: KernelFunctionBuilder) throws {
    let data = b.bufferArguments[0]
    let scaleBuffer = b.bufferArguments[1]
    let shiftBuffer = b.bufferArguments[2]
    let residual = spec.hasResidual ? b.bufferArguments[3] : nil
    let planeVoxels = spec.extent.height * spec.extent.width
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let block = b.divide(tile, depthTiles)
      let depthTile = b.remainder(tile, depthTiles)
      let scale = b.loadVector(scaleBuffer, b.multiply(block, 8))
      let shift = b.loadVector(shiftBuffer, b.multiply(block, 8))
      let depthStart = b.multiply(depthTile, spec.depthPerTile)
      let depthEnd = b.minimum(b.add(depthStart, spec.depthPerTile), b.constant(spec.extent.depth))
      let start = b.multiply(b.add(b.multiply(block, spec.extent.depth), depthStart), planeVoxels)
      let end = b.multiply(b.add(b.multiply(block, spec.extent.depth), depthEnd), planeVoxels)
      b.forLoop(from: start, to: end) { voxel in
        let offset = b.multiply(voxel, 8)
        var value = b.fma(b.loadVector(data, offset), scale, shift)
        if let residual { value = b.fadd(value, b.loadVector(residual, offset)) }
        if let slope = spec.negativeSlope {
          value = b.select(b.isGreater(value, b.splat(Float(0))), value, b.fmul(value, b.splat(slope)))
        }
        b.storeVector(value, data, offset)
      }
    }
  }
}
