// Timings of the non-3x3x3 kernels at STU-Net-S sizes (1x1x128^3 input): the single-channel first
// conv, 1x1 convs (strided shortcut, 105-class head), the in-place normalise pass and the layout
// conversions at the boundaries; and the cost of an empty parallel region of the thread pool.
import Foundation
import LLVMBackend
import Runtime

/// Allocates the kernel's buffers (filled with small values), runs it `runs` times on `pool`, and
/// prints median wall and CPU-per-thread time, GFLOP/s or GB/s.
func benchmarkOtherKernels(compiler: KernelCompiler, pool: ThreadPool, runs: Int, peak: Double) throws {
  let volume = Extent3(uniform: 128)
  let generators: [(KernelGenerator, bytesMoved: Int)] = [
    (try FirstConvolutionKernel(FirstConvolutionSpec(name: "x\(pool.threadCount)_first_1to16", outputChannels: 16, inputExtent: volume, computesStatistics: true)), 0),
    (try PointwiseConvolutionKernel(PointwiseConvolutionSpec(name: "x\(pool.threadCount)_shortcut_16to32_s2", inputChannels: 16, outputChannels: 32, inputExtent: volume, stride: Extent3(uniform: 2))), 0),
    (try PointwiseConvolutionKernel(PointwiseConvolutionSpec(name: "x\(pool.threadCount)_head_16to105", inputChannels: 16, outputChannels: 105, inputExtent: volume)), 0),
    (try PointwiseConvolutionKernel(PointwiseConvolutionSpec(name: "x\(pool.threadCount)_head_16to105_nt", inputChannels: 16, outputChannels: 105, inputExtent: volume, streamingStores: true)), 0),
    (try NormalizeActivateKernel(NormalizeActivateSpec(name: "x\(pool.threadCount)_norm_16_residual", channels: 16, extent: volume, hasResidual: true)), 3 * 16 * volume.voxelCount * 4),
    (try LayoutConversionKernel(LayoutConversionSpec(name: "x\(pool.threadCount)_to_blocked_1", channels: 1, extent: volume, direction: .toBlocked)), 9 * volume.voxelCount * 4),
    (try LayoutConversionKernel(LayoutConversionSpec(name: "x\(pool.threadCount)_from_blocked_105", channels: 105, extent: volume, direction: .fromBlocked)), (105 + 112) * volume.voxelCount * 4),
  ]
  let kernels = try compiler.compile(generators.map(\.0), name: "extras_\(pool.threadCount)")
  for (kernel, entry) in zip(kernels, generators) {
    var storage: [AlignedBuffer] = []
    var arguments: [KernelArgument] = []
    for descriptor in kernel.buffers {
      let buffer = try AlignedBuffer(byteCount: max(64, descriptor.byteCount))
      if descriptor.elementType == .float32 {
        let floats = buffer.allFloats
        for index in 0..<descriptor.elementCount { floats[index] = Float(index % 7) * 0.01 }
      }
      storage.append(buffer)
      arguments.append(KernelArgument(address: buffer.baseAddress, elementType: descriptor.elementType, elementCount: descriptor.elementCount))
    }
    try kernel.run(arguments, pool: pool)
    let times = try (0..<runs).map { _ in try measure { try kernel.run(arguments, pool: pool) } }
    let wall = median(times.map(\.wall))
    let cpu = median(times.map(\.cpu)) / Double(pool.threadCount)
    let rate: String
    if kernel.flopCount > 0 && entry.bytesMoved == 0 {
      let gflops = Double(kernel.flopCount) / cpu / 1e9
      rate = String(format: "%.1f GFLOP/s (cpu), %.0f%% of peak", gflops, 100 * gflops / peak)
    } else {
      rate = String(format: "%.1f GB/s (cpu)", Double(entry.bytesMoved) / cpu / 1e9)
    }
    print(String(format: "%-22@ threads=%d  wall %.4f s | cpu %.4f s  %@", kernel.name, pool.threadCount, wall, cpu, rate))
    withExtendedLifetime(storage) {}
  }
}

/// Median cost of one empty parallel region (dispatch + join) over many back-to-back regions.
func measureThreadPoolOverhead(_ pool: ThreadPool) {
  let regions = 20_000
  let timing = measure { for _ in 0..<regions { pool.parallelForChunks(0..<pool.threadCount) { _ in } } }
  print(String(format: "thread pool, %d thread(s): %.2f us per empty parallel region", pool.threadCount, timing.wall / Double(regions) * 1e6))
}

/// Case C34: the 16->16 conv at 64^3 on normal inputs and on denormal inputs (~1e-39), on the
/// pool (FTZ/DAZ on every participant) and on the calling thread with FTZ/DAZ explicitly off.
func benchmarkDenormals(compiler: KernelCompiler, pool: ThreadPool, runs: Int) throws {
  let extent = Extent3(uniform: 64)
  let generator = try Convolution3DKernel(Convolution3DSpec(
    name: "x\(pool.threadCount)_denormal_conv", inputChannels: 16, outputChannels: 16, inputExtent: extent, computesStatistics: true))
  let kernel = try compiler.compile(generator)
  let inputCount = BlockedLayout.elementCount(channels: 16, extent: extent)
  let input = try AlignedBuffer(floatCount: inputCount)
  let weights = try AlignedBuffer(floatCount: generator.packedWeightCount)
  let output = try AlignedBuffer(floatCount: inputCount)
  let scratch = try AlignedBuffer(byteCount: generator.statisticsCount * 8)
  for index in 0..<generator.packedWeightCount { weights.allFloats[index] = Float(index % 13) * 0.01 - 0.06 }
  let arguments = [
    KernelArgument(address: input.baseAddress, elementType: .float32, elementCount: inputCount),
    KernelArgument(address: weights.baseAddress, elementType: .float32, elementCount: generator.packedWeightCount),
    KernelArgument(address: output.baseAddress, elementType: .float32, elementCount: inputCount),
    KernelArgument(address: scratch.baseAddress, elementType: .float64, elementCount: generator.statisticsCount),
  ]
  for (label, scale) in [("normal", Float(1)), ("denormal", Float(1e-39))] {
    for index in 0..<inputCount { input.allFloats[index] = (Float(index % 17) - 8) * scale }
    let pooled = try (0..<runs).map { _ in try measure { try kernel.run(arguments, pool: pool) }.wall }
    var withoutFTZ: [Double] = []
    if let saved = FloatingPointEnvironment.readControlRegister() {
      FloatingPointEnvironment.writeControlRegister(saved & ~(FloatingPointEnvironment.flushToZeroBit | FloatingPointEnvironment.denormalsAreZeroBit))
      withoutFTZ = try (0..<max(1, runs / 2)).map { _ in try measure { try kernel.run(arguments) }.cpu }
      FloatingPointEnvironment.writeControlRegister(saved)
    }
    print(String(
      format: "C34 %-8@ inputs: pool (FTZ/DAZ, %d threads) %.4f s wall; one thread without FTZ/DAZ %.4f s cpu",
      label, pool.threadCount, median(pooled), withoutFTZ.isEmpty ? .nan : median(withoutFTZ)))
  }
}
