// A small AOT schedule built directly from the LLVM kernel generators (no Kernel IR needed): the
// first convolution (1 -> 16 channels, bias, statistics) over a plain volume, a strided 3x3x3
// convolution (16 -> 11 channels, tail lanes) and the conversion of its blocked output back to
// NCDHW, with deterministic weights and input; the result is kept in the arena or (directOutput)
// written straight into the caller's array. `JITReference` runs the same schedule through the
// JIT runtime (CompiledKernel on a ThreadPool), the path AOT output must equal bit for bit.
import AOT
import AOTRuntime
import LLVMBackend
import Runtime
import TensorCore

struct SmallScheduleFixture {
  let schedule: AOTSchedule
  let input: Tensor

  static func make(
    target: LLVMBackend.TargetDescription = .detectedHost, name: String = "aot_fixture", directOutput: Bool = false
  ) throws -> SmallScheduleFixture {
    var random = SeededRandom(seed: 7)
    let extent = Extent3(6, 8, 20)
    let first = try FirstConvolutionKernel(
      FirstConvolutionSpec(name: "\(name)_first", outputChannels: 16, inputExtent: extent, hasBias: true, computesStatistics: true),
      target: target)
    let conv = try Convolution3DKernel(
      Convolution3DSpec(
        name: "\(name)_conv", inputChannels: 16, outputChannels: 11, inputExtent: extent, stride: Extent3(1, 2, 2), hasBias: true),
      target: target)
    let unblock = try LayoutConversionKernel(
      LayoutConversionSpec(name: "\(name)_unblock", channels: 11, extent: conv.outputExtent, direction: .fromBlocked))

    var weights = WeightsBlob()
    let firstWeights = weights.append(try first.packWeights(random.floats(16 * 27, scale: 0.3)), name: "first.weight")
    let firstBias = weights.append(try first.packBias(random.floats(16, scale: 0.1)), name: "first.bias")
    let convWeights = weights.append(try conv.packWeights(random.floats(11 * 16 * 27, scale: 0.1)), name: "conv.weight")
    let convBias = weights.append(try conv.packBias(random.floats(11, scale: 0.1)), name: "conv.bias")

    var arena = ArenaLayout()
    let inputRegion = arena.place(extent.voxelCount * 4)
    let firstOutput = arena.place(first.buffers[3].byteCount)
    let statistics = arena.place(first.buffers[4].byteCount)
    let convOutput = arena.place(conv.buffers[3].byteCount)
    let outputRegion = directOutput
      ? AOTRegion(.output(0), offset: 0, byteCount: unblock.buffers[1].byteCount) : arena.place(unblock.buffers[1].byteCount)

    let out = conv.outputExtent
    let schedule = AOTSchedule(
      name: name, target: target,
      steps: [
        AOTStep(
          generator: first, buffers: [inputRegion, firstWeights, firstBias, firstOutput, statistics], label: "first conv"),
        AOTStep(generator: conv, buffers: [firstOutput, convWeights, convBias, convOutput], label: "strided conv"),
        AOTStep(generator: unblock, buffers: [convOutput, outputRegion], label: "to NCDHW"),
      ],
      inputs: [AOTTensor(name: "input", shape: [1, 1, extent.depth, extent.height, extent.width], scratchOffset: inputRegion.offset)],
      outputs: [
        AOTTensor(
          name: "output", shape: [1, 11, out.depth, out.height, out.width], scratchOffset: directOutput ? nil : outputRegion.offset)
      ],
      scratchBytes: arena.size, weights: weights)
    let input = Tensor(shape: [1, 1, extent.depth, extent.height, extent.width], data: random.floats(extent.voxelCount, scale: 1))
    return SmallScheduleFixture(schedule: schedule, input: input)
  }
}

/// Regions of the scratch arena laid out one after another on 64-byte boundaries.
struct ArenaLayout {
  private(set) var size = 0

  mutating func place(_ bytes: Int) -> AOTRegion {
    let offset = (size + 63) / 64 * 64
    size = offset + bytes
    return AOTRegion(.scratch, offset: offset, byteCount: bytes)
  }
}

/// A deterministic generator of floats in [-scale, scale).
struct SeededRandom {
  var state: UInt64

  init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

  mutating func next() -> Float {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(state >> 40) / Float(1 << 24)
  }

  mutating func floats(_ count: Int, scale: Float) -> [Float] {
    (0..<count).map { _ in (next() * 2 - 1) * scale }
  }
}

/// Runs an AOT schedule's kernels with the JIT runtime: each kernel JIT-compiled once, launched
/// over all tiles on a ThreadPool with the same regions of a zeroed arena.
final class JITReference {
  let schedule: AOTSchedule
  private let kernels: [String: CompiledKernel]
  private let scratch: AlignedBuffer
  private let weights: AlignedBuffer
  private let direct: [AlignedBuffer]
  private let pool: ThreadPool

  init(_ schedule: AOTSchedule, threads: Int) throws {
    self.schedule = schedule
    let compiler = try KernelCompiler(target: schedule.target)
    kernels = Dictionary(uniqueKeysWithValues: try compiler.compile(schedule.distinctGenerators).map { ($0.name, $0) })
    scratch = try AlignedBuffer(byteCount: schedule.scratchBytes)
    let weights = try AlignedBuffer(byteCount: max(1, schedule.weights.byteCount))
    schedule.weights.bytes.withUnsafeBytes {
      UnsafeMutableRawBufferPointer(start: weights.baseAddress, count: $0.count).copyMemory(from: $0)
    }
    self.weights = weights
    direct = try schedule.outputs.map { try AlignedBuffer(byteCount: max(1, $0.byteCount)) }
    pool = try ThreadPool(threads: threads)
  }

  static func run(_ schedule: AOTSchedule, inputs: [Tensor], threads: Int) throws -> [Tensor] {
    try JITReference(schedule, threads: threads).run(inputs)
  }

  func run(_ inputs: [Tensor]) throws -> [Tensor] {
    for (tensor, input) in zip(inputs, schedule.inputs) {
      tensor.data.withUnsafeBytes {
        UnsafeMutableRawBufferPointer(start: scratch.baseAddress + (input.scratchOffset ?? 0), count: $0.count).copyMemory(from: $0)
      }
    }
    for step in schedule.steps {
      guard let kernel = kernels[step.generator.kernelName] else { throw AOTError.invalidSchedule("no kernel") }
      let addresses: [UnsafeMutableRawPointer?] = step.buffers.map { region in
        switch region.base {
        case .weights: return weights.baseAddress + region.offset
        case .scratch: return scratch.baseAddress + region.offset
        case .output(let index): return direct[index].baseAddress + region.offset
        }
      }
      try addresses.withUnsafeBufferPointer { table in
        guard let base = table.baseAddress else { throw AOTError.invalidSchedule("empty buffer table") }
        kernel.runUnchecked(addresses: base, pool: pool)
      }
    }
    return schedule.outputs.enumerated().map { index, output in
      let count = output.shape.reduce(1, *)
      let base = output.scratchOffset.map { scratch.baseAddress + $0 } ?? direct[index].baseAddress
      return Tensor(shape: output.shape, data: Array(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: count)))
    }
  }
}
