// Generator for nearest-neighbour upsampling by integer factors per axis in NCDHW8c:
//   out[c, d, h, w] = in[c, d / sd, h / sh, w / sw].
// Each input vector (8 channels of one voxel) is loaded once per output row and stored sw times.
// Because channel blocks are the outermost axis of NCDHW8c, writing into channel blocks
// k..<k+CB of a wider buffer (the decoder's [upsampled, skip] concatenation) is just a destination
// address offset of k * D * H * W * 8 floats: no concat copy is needed.
//
// Buffers: source [NCDHW8c, input extent], destination [NCDHW8c, output extent].
// Tiles: CB channel blocks x output depth planes.

public struct UpsampleNearestSpec: Hashable, Sendable {
  public var name: String
  public var channels: Int
  public var inputExtent: Extent3
  public var scale: Extent3

  public init(name: String, channels: Int, inputExtent: Extent3, scale: Extent3) {
    self.name = name
    self.channels = channels
    self.inputExtent = inputExtent
    self.scale = scale
  }

  public var outputExtent: Extent3 {
    Extent3(inputExtent.depth * scale.depth, inputExtent.height * scale.height, inputExtent.width * scale.width)
  }
}

public struct UpsampleNearestKernel: KernelGenerator {
  public let spec: UpsampleNearestSpec

  public init(_ spec: UpsampleNearestSpec) throws {
    guard spec.channels > 0, spec.channels < 1 << 24, spec.inputExtent.allPositive, spec.scale.allPositive,
      spec.scale.depth <= 64, spec.scale.height <= 64, spec.scale.width <= 64,
      spec.outputExtent.checkedVoxelCount(times: BlockedLayout.channelBlocks(spec.channels) * 32) != nil
    else {
      throw BackendError.invalidSpec(
        kernel: "upsample '\(spec.name)'", reason: "channels, extent and scale (1...64) must be positive and the output must fit in memory")
    }
    self.spec = spec
  }

  var channelBlocks: Int { BlockedLayout.channelBlocks(spec.channels) }

  public var kernelName: String { spec.name }
  public var tileCount: Int { channelBlocks * spec.outputExtent.depth }
  public var flopCount: Int { 0 }
  public var buffers: [KernelBufferDescriptor] {
    [
      KernelBufferDescriptor(name: "source", elementCount: BlockedLayout.elementCount(channels: spec.channels, extent: spec.inputExtent), access: .read),
      KernelBufferDescriptor(name: "destination", elementCount: BlockedLayout.elementCount(channels: spec.channels, extent: spec.outputExtent), access: .write),
    ]
  }

  public func emitBody(_ b: KernelFunctionBuilder) throws {
    let source = b.bufferArguments[0]
    let destination = b.bufferArguments[1]
    let input = spec.inputExtent
    let output = spec.outputExtent
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let block = b.divide(tile, output.depth)
      let outputDepth = b.remainder(tile, output.depth)
      let inputDepth = b.divide(outputDepth, spec.scale.depth)
      b.forLoop(count: output.height) { outputRow in
        let inputRow = b.divide(outputRow, spec.scale.height)
        let sourceRow = b.multiply(b.linearIndex([block, inputDepth, inputRow], sizes: [0, input.depth, input.height]), input.width * 8)
        let destinationRow = b.multiply(b.linearIndex([block, outputDepth, outputRow], sizes: [0, output.depth, output.height]), output.width * 8)
        b.forLoop(count: input.width) { w in
          let value = b.loadVector(source, b.add(sourceRow, b.multiply(w, 8)))
          let first = b.add(destinationRow, b.multiply(w, spec.scale.width * 8))
          for copy in 0..<spec.scale.width { b.storeVector(value, destination, b.add(first, copy * 8)) }
        }
      }
    }
  }
}
