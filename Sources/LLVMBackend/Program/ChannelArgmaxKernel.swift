// Generator for argmax over the channel axis (axis 1): i64 labels [N, spatial] from an NCDHW or
// NCDHW8c input, with the reference semantics: ties go to the lowest channel; a NaN counts as the
// maximum, the first NaN winning (once the running best is NaN nothing replaces it). Eight voxels
// per vector; a block's channel c is gathered from its 8-lane groups. Tiles: (sample, voxel chunk).

struct ChannelArgmaxKernel: VoxelGroupKernel {
  let name: String
  let input: (slot: Int, addressing: ActivationAddressing)
  let outputSlot: Int
  /// Voxels per tile (a multiple of 8).
  let chunk: Int
  let slotElementCounts: [Int]

  var kernelName: String { name }
  var flopCount: Int { input.addressing.batch * input.addressing.channels * voxels }

  /// Channel `channel` of the 8 voxels from `first` (lanes past the volume repeat its last voxel).
  private func load(_ b: KernelFunctionBuilder, sample: IRValue, channel: IRValue, first: IRValue, lanes: Int) -> IRValue {
    let addressing = input.addressing
    let slot = b.bufferArguments[input.slot]
    switch addressing.form {
    case .plain where lanes == 8:
      return b.loadVector(slot, b.add(addressing.blockStart(b, sample: sample, block: channel), first), alignment: 4)
    case .plain:
      let start = b.add(addressing.blockStart(b, sample: sample, block: channel), first)
      return b.gather(slot, (0..<8).map { b.add(start, min($0, lanes - 1)) })
    case .blocked:
      let start = b.add(
        b.add(addressing.blockStart(b, sample: sample, block: b.divide(channel, 8)), b.remainder(channel, 8)),
        b.multiply(first, 8))
      return b.gather(slot, (0..<8).map { b.add(start, min($0, lanes - 1) * 8) })
    }
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let channels = input.addressing.channels
    let output = b.bufferArguments[outputSlot]
    forEachVoxelGroup(b) { sample, first, lanes in
      let best = b.variable(b.floatVectorType, initial: load(b, sample: sample, channel: b.constant(0), first: first, lanes: lanes))
      let index = b.variable(b.int64VectorType, initial: b.int64Splat(0))
      b.forLoop(from: b.constant(1), to: b.constant(channels)) { channel in
        let value = load(b, sample: sample, channel: channel, first: first, lanes: lanes)
        let current = b.read(best, b.floatVectorType)
        let better = b.and(b.isOrdered(current, current), b.isUnorderedOrGreater(value, current))
        b.write(b.select(better, value, current), best)
        b.write(b.select(better, b.splatInt64(channel), b.read(index, b.int64VectorType)), index)
      }
      let indices = b.read(index, b.int64VectorType)
      let target = b.add(b.multiply(sample, voxels), first)
      for lane in 0..<lanes { b.storeInt64(b.extractLane(indices, lane), output, b.add(target, lane)) }
    }
  }
}
