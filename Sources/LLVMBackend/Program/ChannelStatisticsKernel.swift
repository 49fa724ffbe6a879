// Generator for channel_stats: the Kernel IR's statistics partials (f32 [N, C, P, 3]: count, mean
// and M2 of part p = depth planes [p*D/P, (p+1)*D/P)) of a buffer no convolution produced. As the
// interpreter: two passes in fp64 per channel (the mean, then the squared deviations from it),
// summing voxels in order, eight channels per vector. Tiles: (sample, channel block, part).

struct ChannelStatisticsKernel: KernelGenerator {
  let name: String
  let input: (slot: Int, addressing: ActivationAddressing)
  let statisticsSlot: Int
  let parts: Int
  let slotElementCounts: [Int]

  var kernelName: String { name }
  var blocks: Int { (input.addressing.channels + 7) / 8 }
  var tileCount: Int { input.addressing.batch * blocks * parts }
  var flopCount: Int { 4 * input.addressing.batch * input.addressing.channels * input.addressing.voxels }
  var buffers: [KernelBufferDescriptor] {
    slotElementCounts.enumerated().map { KernelBufferDescriptor(name: "slot\($0)", elementCount: $1, access: .readWrite) }
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let channels = input.addressing.channels
    let tailLanes = channels % 8
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let part = b.remainder(tile, parts)
      let rest = b.divide(tile, parts)
      let block = b.remainder(rest, blocks)
      let sample = b.divide(rest, blocks)
      if tailLanes != 0 {
        b.ifThenElse(
          b.isEqual(block, b.constant(blocks - 1)),
          then: { emitPart(b, sample: sample, block: block, part: part, validLanes: tailLanes) },
          else: { emitPart(b, sample: sample, block: block, part: part, validLanes: 8) })
      } else {
        emitPart(b, sample: sample, block: block, part: part, validLanes: 8)
      }
    }
  }

  private func emitPart(_ b: KernelFunctionBuilder, sample: IRValue, block: IRValue, part: IRValue, validLanes: Int) {
    let extent = input.addressing.extent
    let plane = extent.height * extent.width
    let slot = b.bufferArguments[input.slot]
    let start = b.multiply(b.divide(b.multiply(part, extent.depth), parts), plane)
    let end = b.multiply(b.divide(b.multiply(b.add(part, 1), extent.depth), parts), plane)
    let load = { (voxel: IRValue) in
      b.toDouble(input.addressing.loadChannels(b, slot, sample: sample, block: block, voxel: voxel, validLanes: validLanes))
    }
    let sum = b.variable(b.doubleVectorType, initial: b.splatDouble(0))
    b.forLoop(from: start, to: end) { voxel in b.write(b.fadd(b.read(sum, b.doubleVectorType), load(voxel)), sum) }
    let count = b.integerToDouble(b.subtract(end, start))
    let countVector = b.splat(count)
    let zero = b.splatDouble(0)
    let hasValues = b.isLess(b.constant(0), b.subtract(end, start))
    let mean = b.select(hasValues, b.fdiv(b.read(sum, b.doubleVectorType), countVector), zero)
    let squares = b.variable(b.doubleVectorType, initial: zero)
    b.forLoop(from: start, to: end) { voxel in
      let deviation = b.fsub(load(voxel), mean)
      b.write(b.fadd(b.read(squares, b.doubleVectorType), b.fmul(deviation, deviation)), squares)
    }
    let statistics = b.bufferArguments[statisticsSlot]
    let meanFloats = b.doubleVectorToFloat(mean)
    let squaresFloats = b.doubleVectorToFloat(b.read(squares, b.doubleVectorType))
    let countFloat = b.doubleToFloat(count)
    for lane in 0..<validLanes {
      let channel = b.add(b.multiply(block, 8), lane)
      let base = b.multiply(b.add(b.multiply(b.add(b.multiply(sample, input.addressing.channels), channel), parts), part), 3)
      b.storeFloat(countFloat, statistics, base)
      b.storeFloat(b.extractLane(meanFloats, lane), statistics, b.add(base, 1))
      b.storeFloat(b.extractLane(squaresFloats, lane), statistics, b.add(base, 2))
    }
  }
}
