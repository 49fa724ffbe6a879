// Generator for the element-wise kernels of a program: norm_act (y = (x - mean) * scale + shift,
// + residual, LeakyReLU, with per-(sample, channel) coefficients a host step computed from the
// statistics partials), add (+ LeakyReLU), leaky_relu and copy (which converts layouts). The
// arithmetic is the kernel interpreter's, operation for operation (no contraction into FMA).
//
// Two ways to vectorise: when every operand is NCDHW, vectors run along the voxels of one channel
// (coefficients splat); otherwise vectors hold the 8 channels of a block at one voxel, NCDHW8c
// operands loading whole vectors and NCDHW ones gathering lanes. Tiles: (sample, channel or
// block, chunk of voxels).

struct ChannelwiseKernelSpec {
  enum Operation {
    case normalize(slope: Float?)
    case add(slope: Float?)
    case leakyRelu(slope: Float)
    case copy
  }

  var name: String
  var operation: Operation
  /// norm_act: input [, residual]; add: both inputs; leaky_relu, copy: the input.
  var inputs: [(slot: Int, addressing: ActivationAddressing)]
  var output: (slot: Int, addressing: ActivationAddressing)
  /// norm_act: [n][mean | scale | shift][channels padded to 8].
  var coefficientSlot: Int?
  var batch: Int
  var channels: Int
  var voxels: Int
  /// Voxels per tile (a multiple of 8).
  var chunk: Int

  var alongVoxels: Bool { (inputs.map(\.addressing) + [output.addressing]).allSatisfy { $0.form == .plain } }
  var paddedChannels: Int { (channels + 7) / 8 * 8 }
  var lanesGroups: Int { alongVoxels ? channels : (channels + 7) / 8 }
  var chunkCount: Int { (voxels + chunk - 1) / chunk }
  var tileCount: Int { batch * lanesGroups * chunkCount }
}

struct ChannelwiseKernel: KernelGenerator {
  let spec: ChannelwiseKernelSpec
  let slotElementCounts: [Int]

  var kernelName: String { spec.name }
  var tileCount: Int { spec.tileCount }
  var flopCount: Int {
    let perElement: Int
    switch spec.operation {
    case .normalize: perElement = 3 + (spec.inputs.count > 1 ? 1 : 0)
    case .add: perElement = 1
    case .leakyRelu: perElement = 1
    case .copy: perElement = 0
    }
    return perElement * spec.batch * spec.channels * spec.voxels
  }
  var buffers: [KernelBufferDescriptor] {
    slotElementCounts.enumerated().map { KernelBufferDescriptor(name: "slot\($0)", elementCount: $1, access: .readWrite) }
  }

  /// The operation on loaded operand values; `coefficient(k)` gives mean (0), scale (1), shift (2).
  private func apply(_ b: KernelFunctionBuilder, _ values: [IRValue], coefficient: (Int) -> IRValue) -> IRValue {
    switch spec.operation {
    case .normalize(let slope):
      var y = b.fadd(b.fmul(b.fsub(values[0], coefficient(0)), coefficient(1)), coefficient(2))
      if values.count > 1 { y = b.fadd(y, values[1]) }
      return slope.map { b.leakyRelu(y, slope: $0) } ?? y
    case .add(let slope):
      let sum = b.fadd(values[0], values[1])
      return slope.map { b.leakyRelu(sum, slope: $0) } ?? sum
    case .leakyRelu(let slope):
      return b.leakyRelu(values[0], slope: slope)
    case .copy:
      return values[0]
    }
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let slots = b.bufferArguments
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let chunkIndex = b.remainder(tile, spec.chunkCount)
      let rest = b.divide(tile, spec.chunkCount)
      let group = b.remainder(rest, spec.lanesGroups)
      let sample = b.divide(rest, spec.lanesGroups)
      let start = b.multiply(chunkIndex, spec.chunk)
      if spec.alongVoxels {
        emitAlongVoxels(b, slots, sample: sample, channel: group, chunkIndex: chunkIndex, start: start)
      } else {
        let tailLanes = spec.channels % 8
        let hasPlain = (spec.inputs.map(\.addressing) + [spec.output.addressing]).contains { $0.form == .plain }
        if tailLanes != 0 && hasPlain {
          b.ifThenElse(
            b.isEqual(group, b.constant(spec.lanesGroups - 1)),
            then: { emitAcrossChannels(b, slots, sample: sample, block: group, start: start, validLanes: tailLanes) },
            else: { emitAcrossChannels(b, slots, sample: sample, block: group, start: start, validLanes: 8) })
        } else {
          emitAcrossChannels(b, slots, sample: sample, block: group, start: start, validLanes: 8)
        }
      }
    }
  }

  private func emitAcrossChannels(_ b: KernelFunctionBuilder, _ slots: [IRValue], sample: IRValue, block: IRValue, start: IRValue, validLanes: Int) {
    let end = b.minimum(b.add(start, spec.chunk), b.constant(spec.voxels))
    let coefficients = spec.coefficientSlot.map { slot in
      (0..<3).map { k in
        b.loadVector(slots[slot], b.add(b.multiply(b.add(b.multiply(sample, 3), k), spec.paddedChannels), b.multiply(block, 8)))
      }
    }
    b.forLoop(from: start, to: end) { voxel in
      let values = spec.inputs.map { input in
        input.addressing.loadChannels(b, slots[input.slot], sample: sample, block: block, voxel: voxel, validLanes: validLanes)
      }
      let result = apply(b, values) { coefficients?[$0] ?? b.splat(Float(0)) }
      spec.output.addressing.storeChannels(b, result, slots[spec.output.slot], sample: sample, block: block, voxel: voxel, validLanes: validLanes)
    }
  }

  private func emitAlongVoxels(_ b: KernelFunctionBuilder, _ slots: [IRValue], sample: IRValue, channel: IRValue, chunkIndex: IRValue, start: IRValue) {
    let coefficients = spec.coefficientSlot.map { slot in
      (0..<3).map { k in
        b.broadcastLoad(slots[slot], b.add(b.multiply(b.add(b.multiply(sample, 3), k), spec.paddedChannels), channel))
      }
    }
    let planeStart = { (addressing: ActivationAddressing) in addressing.blockStart(b, sample: sample, block: channel) }
    let fullEnd = b.minimum(b.add(start, spec.chunk), b.constant(spec.voxels / 8 * 8))
    b.forLoop(from: start, to: fullEnd, step: 8) { voxel in
      let values = spec.inputs.map { input in
        b.loadVector(slots[input.slot], b.add(planeStart(input.addressing), voxel), alignment: 4)
      }
      let result = apply(b, values) { coefficients?[$0] ?? b.splat(Float(0)) }
      b.storeVector(result, slots[spec.output.slot], b.add(planeStart(spec.output.addressing), voxel), alignment: 4)
    }
    let tail = spec.voxels % 8
    guard tail != 0 else { return }
    b.ifThen(b.isEqual(chunkIndex, b.constant(spec.chunkCount - 1))) {
      let first = spec.voxels / 8 * 8
      let offsets = { (addressing: ActivationAddressing) -> [IRValue?] in
        (0..<8).map { lane in lane < tail ? b.add(planeStart(addressing), first + lane) : nil }
      }
      let values = spec.inputs.map { input in b.gather(slots[input.slot], offsets(input.addressing)) }
      let result = apply(b, values) { coefficients?[$0] ?? b.splat(Float(0)) }
      b.scatter(result, slots[spec.output.slot], offsets(spec.output.addressing))
    }
  }
}
