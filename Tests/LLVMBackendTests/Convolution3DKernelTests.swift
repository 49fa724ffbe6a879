// The JIT'd direct convolution (blocked layout) against the fp64 reference: channel counts that
// are and are not multiples of 8, strides 1, 2 and (1,1,2), non-cubic sizes, non-cubic kernels,
// padding, bias, several input-channel passes and output-channel groups, and threaded runs.
import LLVMBackend
import Runtime
import TensorCore
import XCTest

final class Convolution3DKernelTests: XCTestCase {
  struct Case {
    var inputChannels: Int
    var outputChannels: Int
    var extent: Extent3
    var kernel = Extent3(uniform: 3)
    var stride = Extent3(uniform: 1)
    var padding = Extent3(uniform: 1)
    var hasBias = false
    var tiling: ConvolutionTiling? = nil
  }

  /// Runs the JIT kernel on random data and returns (jit output, reference output) in NCDHW.
  static func run(
    _ c: Case, seed: UInt64, name: String, pool: ThreadPool? = nil, compiler: KernelCompiler = TestSupport.compiler
  ) throws -> (jit: [Float], reference: [Float], kernel: Convolution3DKernel, statistics: [Double]) {
    var random = SeededGenerator(seed: seed)
    let input = random.floats(c.inputChannels * c.extent.voxelCount)
    let weights = random.floats(c.outputChannels * c.inputChannels * c.kernel.voxelCount, in: -0.5...0.5)
    let bias = c.hasBias ? random.floats(c.outputChannels) : nil
    let spec = Convolution3DSpec(
      name: name, inputChannels: c.inputChannels, outputChannels: c.outputChannels, inputExtent: c.extent,
      kernel: c.kernel, stride: c.stride, padding: c.padding, hasBias: c.hasBias, computesStatistics: true, tiling: c.tiling)
    let generator = try Convolution3DKernel(spec, target: compiler.target)
    let kernel = try compiler.compile(generator)
    let blockedInput = input.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: c.inputChannels, extent: c.extent) }
    let inputBuffer = try TestSupport.aligned(blockedInput)
    let weightBuffer = try TestSupport.aligned(try generator.packWeights(weights))
    let outputCount = BlockedLayout.elementCount(channels: c.outputChannels, extent: generator.outputExtent)
    let outputBuffer = try TestSupport.alignedZeros(outputCount)
    let statisticsBuffer = try AlignedBuffer(byteCount: generator.statisticsCount * 8)
    var arguments = [
      TestSupport.argument(inputBuffer, count: blockedInput.count),
      TestSupport.argument(weightBuffer, count: generator.packedWeightCount),
    ]
    var biasBuffer: AlignedBuffer? = nil
    if let bias {
      let packedBias = try generator.packBias(bias)
      let buffer = try TestSupport.aligned(packedBias)
      biasBuffer = buffer
      arguments.append(TestSupport.argument(buffer, count: packedBias.count))
    }
    arguments.append(TestSupport.argument(outputBuffer, count: outputCount))
    arguments.append(TestSupport.doubleArgument(statisticsBuffer, count: generator.statisticsCount))
    if let pool { try kernel.run(arguments, pool: pool, chunkSize: 1) } else { try kernel.run(arguments) }
    withExtendedLifetime(biasBuffer) {}
    let jit = UnsafeBufferPointer(outputBuffer.allFloats).withMemoryRebound(to: Float.self) {
      BlockedLayout.unpack(UnsafeBufferPointer(rebasing: $0.prefix(outputCount)), channels: c.outputChannels, extent: generator.outputExtent)
    }
    let reference = Reference.convolution(
      input: input, inputChannels: c.inputChannels, extent: c.extent, weights: weights, bias: bias,
      outputChannels: c.outputChannels, kernel: c.kernel, stride: c.stride, padding: c.padding)
    XCTAssertEqual(reference.extent, generator.outputExtent)
    // Tail lanes of the output stay zero.
    let blocked = Array(outputBuffer.allFloats.prefix(outputCount))
    for channel in c.outputChannels..<(BlockedLayout.channelBlocks(c.outputChannels) * 8) {
      for voxel in stride(from: 0, to: generator.outputExtent.voxelCount, by: 7) {
        let index = ((channel / 8) * generator.outputExtent.voxelCount + voxel) * 8 + channel % 8
        XCTAssertEqual(blocked[index], 0, "tail lane \(channel) not zero")
      }
    }
    let statistics = Array(UnsafeBufferPointer(start: statisticsBuffer.baseAddress.assumingMemoryBound(to: Double.self), count: generator.statisticsCount))
    return (jit, reference.output, generator, statistics)
  }

  func check(_ c: Case, seed: UInt64, name: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let result = try Self.run(c, seed: seed, name: name)
    let report = TensorComparison.compare(result.jit, result.reference)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(name): \(report)", file: file, line: line)
  }

  func testSixteenChannelsStrideOneNonCubic() throws {
    try check(Case(inputChannels: 16, outputChannels: 16, extent: Extent3(5, 6, 13)), seed: 1, name: "conv_16_16")
  }

  func testChannelCountsNotMultipleOfEight() throws {
    try check(Case(inputChannels: 5, outputChannels: 11, extent: Extent3(4, 5, 9), hasBias: true), seed: 2, name: "conv_5_11")
  }

  func testStrideTwo() throws {
    try check(Case(inputChannels: 8, outputChannels: 24, extent: Extent3(7, 8, 10), stride: Extent3(uniform: 2)), seed: 3, name: "conv_s2")
  }

  func testStrideOneOneTwo() throws {
    try check(Case(inputChannels: 12, outputChannels: 16, extent: Extent3(4, 6, 12), stride: Extent3(1, 1, 2), hasBias: true), seed: 4, name: "conv_s112")
  }

  func testSeveralPassesGroupsAndDepthSlabs() throws {
    let tiling = ConvolutionTiling(registerWidth: 4, outputBlocksPerTile: 2, depthPerTile: 2, inputBlocksPerPass: 2)
    try check(Case(inputChannels: 37, outputChannels: 40, extent: Extent3(5, 4, 11), hasBias: true, tiling: tiling), seed: 5, name: "conv_passes")
  }

  func testNonCubicKernelAndPadding() throws {
    try check(
      Case(inputChannels: 9, outputChannels: 8, extent: Extent3(4, 7, 6), kernel: Extent3(3, 1, 2), stride: Extent3(2, 1, 1), padding: Extent3(1, 0, 1)),
      seed: 6, name: "conv_k312")
  }

  func testNarrowRowsUseFourBlockTiles() throws {
    try check(Case(inputChannels: 32, outputChannels: 64, extent: Extent3(4, 4, 4)), seed: 7, name: "conv_narrow")
  }

  func testThreadedRunMatchesSingleThreadBitForBit() throws {
    let c = Case(inputChannels: 16, outputChannels: 24, extent: Extent3(6, 5, 14), hasBias: true)
    let single = try Self.run(c, seed: 8, name: "conv_single")
    let pool = try ThreadPool(threads: 2)
    let threaded = try Self.run(c, seed: 8, name: "conv_threaded", pool: pool)
    XCTAssertTrue(single.jit == threaded.jit, "threaded output differs from the single-thread output")
    XCTAssertTrue(single.statistics == threaded.statistics, "threaded statistics differ")
  }

  /// A baseline x86-64 target (SSE2 only): no AVX instructions, a smaller register tile, same results.
  func testBaselineTargetWithoutAVXGivesTheSameResults() throws {
    let baseline = TargetDescription.host(cpuOverride: "x86-64")
    XCTAssertFalse(baseline.hasAVX2)
    XCTAssertEqual(baseline.eightLaneVectorRegisters, 8)
    let compiler = try KernelCompiler(target: baseline)
    let c = Case(inputChannels: 16, outputChannels: 16, extent: Extent3(3, 4, 9), hasBias: true)
    let result = try Self.run(c, seed: 9, name: "conv_baseline", compiler: compiler)
    XCTAssertLessThanOrEqual(result.kernel.tiling.accumulatorCount + result.kernel.tiling.outputBlocksPerTile + 1, 8)
    XCTAssertLessThanOrEqual(TensorComparison.compare(result.jit, result.reference).maxRelativeToScale, 1e-4)
    let assembly = try compiler.buildModule([result.kernel], name: "baseline_asm").assembly()
    XCTAssertFalse(assembly.contains("ymm"), "AVX registers in code for a target without AVX")
    XCTAssertTrue(assembly.contains("xmm"))
  }

  func testRejectsInvalidSpec() {
    XCTAssertThrowsError(
      try Convolution3DKernel(Convolution3DSpec(name: "bad", inputChannels: 0, outputChannels: 8, inputExtent: Extent3(uniform: 4))))
    XCTAssertThrowsError(
      try Convolution3DKernel(
        Convolution3DSpec(name: "bad2", inputChannels: 8, outputChannels: 8, inputExtent: Extent3(1, 1, 1), padding: Extent3(uniform: 0))))
  }
}
