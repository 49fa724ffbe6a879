// Generator for softmax over the channel axis (axis 1) of an NCDHW or NCDHW8c tensor, eight
// voxels per vector, in three passes over the channels of each group: the maximum, then
// e = exp(x - max) stored to the output and summed, then the output scaled by 1 / sum. Works in
// place (each pass reads a position before writing it). exp is a Cephes-style polynomial in the
// IR (range reduction by ln 2, degree-6 polynomial, 2^n through the exponent bits), so the code
// needs no libm at run time (JIT or AOT); its error is a few fp32 ulp, well inside the tolerance
// policy against the interpreter's fp64 reference. Tiles: (sample, voxel chunk).
import CLLVM

struct ChannelSoftmaxKernel: VoxelGroupKernel {
  let name: String
  let input: (slot: Int, addressing: ActivationAddressing)
  let output: (slot: Int, addressing: ActivationAddressing)
  /// Voxels per tile (a multiple of 8).
  let chunk: Int
  let slotElementCounts: [Int]

  var kernelName: String { name }
  var flopCount: Int { input.addressing.batch * input.addressing.channels * voxels * 4 }

  /// Offsets of channel `channel` of the 8 voxels from `first` (nil past the volume's end).
  private func offsets(
    _ b: KernelFunctionBuilder, _ addressing: ActivationAddressing, sample: IRValue, channel: IRValue, first: IRValue, lanes: Int
  ) -> (contiguous: IRValue?, lanes: [IRValue?]) {
    switch addressing.form {
    case .plain:
      let start = b.add(addressing.blockStart(b, sample: sample, block: channel), first)
      return (lanes == 8 ? start : nil, (0..<8).map { $0 < lanes ? b.add(start, $0) : nil })
    case .blocked:
      let start = b.add(
        b.add(addressing.blockStart(b, sample: sample, block: b.divide(channel, 8)), b.remainder(channel, 8)),
        b.multiply(first, 8))
      return (nil, (0..<8).map { $0 < lanes ? b.add(start, $0 * 8) : nil })
    }
  }

  private func load(
    _ b: KernelFunctionBuilder, _ side: (slot: Int, addressing: ActivationAddressing), sample: IRValue, channel: IRValue,
    first: IRValue, lanes: Int
  ) -> IRValue {
    let slot = b.bufferArguments[side.slot]
    let place = offsets(b, side.addressing, sample: sample, channel: channel, first: first, lanes: lanes)
    if let contiguous = place.contiguous { return b.loadVector(slot, contiguous, alignment: 4) }
    // Lanes past the end repeat the last voxel, so they never decide a maximum or overflow a sum.
    let last = place.lanes[lanes - 1]
    return b.gather(slot, place.lanes.map { $0 ?? last })
  }

  private func store(
    _ b: KernelFunctionBuilder, _ value: IRValue, sample: IRValue, channel: IRValue, first: IRValue, lanes: Int
  ) {
    let slot = b.bufferArguments[output.slot]
    let place = offsets(b, output.addressing, sample: sample, channel: channel, first: first, lanes: lanes)
    if let contiguous = place.contiguous {
      b.storeVector(value, slot, contiguous, alignment: 4)
    } else {
      b.scatter(value, slot, place.lanes)
    }
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let channels = input.addressing.channels
    forEachVoxelGroup(b) { sample, first, lanes in
      let maximum = b.variable(b.floatVectorType, initial: b.splat(-Float.infinity))
      b.forLoop(from: b.constant(0), to: b.constant(channels)) { channel in
        let value = load(b, input, sample: sample, channel: channel, first: first, lanes: lanes)
        let current = b.read(maximum, b.floatVectorType)
        b.write(b.select(b.isGreater(value, current), value, current), maximum)
      }
      let top = b.read(maximum, b.floatVectorType)
      let sum = b.variable(b.floatVectorType, initial: b.splat(Float(0)))
      b.forLoop(from: b.constant(0), to: b.constant(channels)) { channel in
        let value = load(b, input, sample: sample, channel: channel, first: first, lanes: lanes)
        let e = Self.exp(b, b.fsub(value, top))
        store(b, e, sample: sample, channel: channel, first: first, lanes: lanes)
        b.write(b.fadd(b.read(sum, b.floatVectorType), e), sum)
      }
      let scale = b.fdiv(b.splat(Float(1)), b.read(sum, b.floatVectorType))
      b.forLoop(from: b.constant(0), to: b.constant(channels)) { channel in
        let e = load(b, output, sample: sample, channel: channel, first: first, lanes: lanes)
        store(b, b.fmul(e, scale), sample: sample, channel: channel, first: first, lanes: lanes)
      }
    }
  }

  /// e^x for x <= 0 (x - max): 0 below -87.3 (where fp32's e^x leaves the normal range).
  static func exp(_ b: KernelFunctionBuilder, _ x: IRValue) -> IRValue {
    let lowest: Float = -87.3
    let inRange = b.isGreater(x, b.splat(lowest))
    let clamped = b.select(inRange, x, b.splat(lowest))
    let n = b.callIntrinsic(
      "llvm.floor", overloadedOn: b.floatVectorType, arguments: [b.fma(clamped, b.splat(Float(1.44269504088896341)), b.splat(Float(0.5)))])
    var r = b.fma(n, b.splat(Float(-0.693359375)), clamped)
    r = b.fma(n, b.splat(Float(2.12194440e-4)), r)
    var p = b.splat(Float(1.9875691500e-4))
    for coefficient: Float in [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1] {
      p = b.fma(p, r, b.splat(coefficient))
    }
    let polynomial = b.fadd(b.fma(b.fmul(p, r), r, r), b.splat(Float(1)))
    // 2^n: n + 127 into the exponent field.
    let int32Vector = LLVMVectorType(b.int32Type, UInt32(KernelFunctionBuilder.lanes))
    let integer: IRValue = LLVMBuildFPToSI(b.builder, n, int32Vector, "")
    var biasLanes = [LLVMValueRef?](repeating: LLVMConstInt(b.int32Type, 127, 0), count: KernelFunctionBuilder.lanes)
    var shiftLanes = [LLVMValueRef?](repeating: LLVMConstInt(b.int32Type, 23, 0), count: KernelFunctionBuilder.lanes)
    let biased: IRValue = LLVMBuildAdd(b.builder, integer, LLVMConstVector(&biasLanes, UInt32(biasLanes.count)), "")
    let bits: IRValue = LLVMBuildShl(b.builder, biased, LLVMConstVector(&shiftLanes, UInt32(shiftLanes.count)), "")
    let power = b.bitcast(bits, to: b.floatVectorType)
    let result = b.fmul(polynomial, power)
    return b.select(inRange, result, b.splat(Float(0)))
  }
}
