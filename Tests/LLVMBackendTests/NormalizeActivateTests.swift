// Instance norm through the fused path: convolution with the statistics epilogue, Chan merge of
// the tile statistics, scale/shift, and the in-place normalise + affine (+ residual) + LeakyReLU
// kernel; compared with the fp64 reference. Also statistics accuracy on outputs with a large mean
// (case C27) and the merge formula itself.
import LLVMBackend
import Runtime
import TensorCore
import XCTest

final class NormalizeActivateTests: XCTestCase {
  func testConvolutionNormalizeResidualActivate() throws {
    let channels = 12
    let extent = Extent3(5, 6, 10)
    var random = SeededGenerator(seed: 31)
    let c = Convolution3DKernelTests.Case(
      inputChannels: 8, outputChannels: channels, extent: extent, hasBias: true,
      tiling: ConvolutionTiling(registerWidth: 6, outputBlocksPerTile: 2, depthPerTile: 2))
    let conv = try Convolution3DKernelTests.run(c, seed: 32, name: "norm_conv")
    let gamma = random.floats(channels, in: 0.5...1.5)
    let beta = random.floats(channels)
    let residual = random.floats(channels * extent.voxelCount)
    let statistics = try conv.statistics.withUnsafeBufferPointer {
      try InstanceNormStatistics.merge(scratch: $0, channels: channels, depthTiles: conv.kernel.depthTiles)
    }
    // Merged statistics equal the two-pass fp64 moments of the kernel's own output.
    let moments = Reference.channelMoments(conv.jit, channels: channels, voxels: extent.voxelCount)
    for channel in 0..<channels {
      XCTAssertEqual(statistics[channel].count, Double(extent.voxelCount))
      XCTAssertEqual(statistics[channel].mean, moments[channel].mean, accuracy: 1e-5 * max(1, abs(moments[channel].mean)))
      XCTAssertEqual(statistics[channel].variance, moments[channel].variance, accuracy: 1e-5 * moments[channel].variance)
    }
    let coefficients = try InstanceNormStatistics.affineCoefficients(statistics: statistics, gamma: gamma, beta: beta)
    let generator = try NormalizeActivateKernel(
      NormalizeActivateSpec(name: "norm_apply", channels: channels, extent: extent, hasResidual: true, depthPerTile: 2))
    let kernel = try TestSupport.compiler.compile(generator)
    let count = BlockedLayout.elementCount(channels: channels, extent: extent)
    let data = try TestSupport.aligned(conv.jit.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: channels, extent: extent) })
    let scale = try TestSupport.aligned(coefficients.scale)
    let shift = try TestSupport.aligned(coefficients.shift)
    let residualBuffer = try TestSupport.aligned(residual.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: channels, extent: extent) })
    try kernel.run(
      [
        TestSupport.argument(data, count: count), TestSupport.argument(scale, count: coefficients.scale.count),
        TestSupport.argument(shift, count: coefficients.shift.count), TestSupport.argument(residualBuffer, count: count),
      ], pool: try ThreadPool(threads: 2))
    let actual = BlockedLayout.unpack(UnsafeBufferPointer(data.allFloats), channels: channels, extent: extent)
    // The reference normalises the fp64 reference convolution, so this checks the whole chain.
    let expected = Reference.normalizeActivate(
      conv.reference, channels: channels, voxels: extent.voxelCount, gamma: gamma, beta: beta, residual: residual)
    let report = TensorComparison.compare(actual, expected)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
    // Tail lanes stay zero.
    let blocked = TestSupport.floats(data, count: count)
    for voxel in 0..<extent.voxelCount { XCTAssertEqual(blocked[(extent.voxelCount + voxel) * 8 + 5], 0) }
  }

  func testNormalizeWithoutActivation() throws {
    let channels = 8
    let extent = Extent3(2, 3, 4)
    var random = SeededGenerator(seed: 33)
    let x = random.floats(channels * extent.voxelCount, in: -3...3)
    let moments = Reference.channelMoments(x, channels: channels, voxels: extent.voxelCount)
    let statistics = moments.map { ChannelStatistics(count: Double(extent.voxelCount), mean: $0.mean, squaredDeviations: $0.variance * Double(extent.voxelCount)) }
    let gamma = [Float](repeating: 1, count: channels)
    let beta = [Float](repeating: 0, count: channels)
    let coefficients = try InstanceNormStatistics.affineCoefficients(statistics: statistics, gamma: gamma, beta: beta)
    let kernel = try TestSupport.compiler.compile(
      try NormalizeActivateKernel(NormalizeActivateSpec(name: "norm_plain", channels: channels, extent: extent, negativeSlope: nil)))
    let data = try TestSupport.aligned(x.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: channels, extent: extent) })
    let scale = try TestSupport.aligned(coefficients.scale)
    let shift = try TestSupport.aligned(coefficients.shift)
    try kernel.run([TestSupport.argument(data, count: x.count), TestSupport.argument(scale, count: 8), TestSupport.argument(shift, count: 8)])
    let actual = BlockedLayout.unpack(UnsafeBufferPointer(data.allFloats), channels: channels, extent: extent)
    let expected = Reference.normalizeActivate(x, channels: channels, voxels: extent.voxelCount, gamma: gamma, beta: beta, residual: nil, activate: false)
    XCTAssertLessThanOrEqual(TensorComparison.compare(actual, expected).maxRelativeToScale, 1e-5)
    XCTAssertTrue(actual.contains { $0 < -0.5 }, "without activation negative values must survive")
  }

  /// Case C27: outputs around 1000 with unit spread; fp32 E[x^2] - E[x]^2 would be off by ~0.2.
  func testStatisticsStayAccurateForLargeMeans() throws {
    let channels = 8
    let extent = Extent3(16, 16, 32)
    var random = SeededGenerator(seed: 34)
    let input = random.floats(channels * extent.voxelCount)
    let weights = random.floats(channels * channels, in: -0.5...0.5)
    let bias = [Float](repeating: 1000, count: channels)
    let generator = try PointwiseConvolutionKernel(
      PointwiseConvolutionSpec(name: "stats_large_mean", inputChannels: channels, outputChannels: channels, inputExtent: extent, computesStatistics: true))
    let kernel = try TestSupport.compiler.compile(generator)
    let count = BlockedLayout.elementCount(channels: channels, extent: extent)
    let inputBuffer = try TestSupport.aligned(input.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: channels, extent: extent) })
    let weightBuffer = try TestSupport.aligned(try generator.packWeights(weights))
    let biasBuffer = try TestSupport.aligned(try generator.packBias(bias))
    let output = try TestSupport.alignedZeros(count)
    let scratch = try AlignedBuffer(byteCount: generator.statisticsCount * 8)
    try kernel.run(
      [
        TestSupport.argument(inputBuffer, count: count), TestSupport.argument(weightBuffer, count: generator.packedWeightCount),
        TestSupport.argument(biasBuffer, count: 8), TestSupport.argument(output, count: count),
        TestSupport.doubleArgument(scratch, count: generator.statisticsCount),
      ], pool: try ThreadPool(threads: 2))
    let values = BlockedLayout.unpack(UnsafeBufferPointer(output.allFloats), channels: channels, extent: extent)
    let moments = Reference.channelMoments(values, channels: channels, voxels: extent.voxelCount)
    let merged = try InstanceNormStatistics.merge(
      scratch: UnsafeBufferPointer(start: scratch.baseAddress.assumingMemoryBound(to: Double.self), count: generator.statisticsCount),
      channels: channels, depthTiles: generator.depthTiles)
    for channel in 0..<channels {
      XCTAssertGreaterThan(moments[channel].mean, 990)
      XCTAssertEqual(merged[channel].mean, moments[channel].mean, accuracy: 1e-4)
      XCTAssertEqual(merged[channel].variance, moments[channel].variance, accuracy: 1e-4 * max(1, moments[channel].variance))
      // The naive fp32 one-pass formula, for contrast, is far off here.
      var sum: Float = 0
      var squares: Float = 0
      for v in 0..<extent.voxelCount {
        let x = values[channel * extent.voxelCount + v]
        sum += x
        squares += x * x
      }
      let naive = Double(squares / Float(extent.voxelCount) - (sum / Float(extent.voxelCount)) * (sum / Float(extent.voxelCount)))
      XCTAssertGreaterThan(abs(naive - moments[channel].variance), 1e-3, "the naive formula should fail on this data")
    }
  }

  func testChanMergeMatchesDirectMoments() {
    var random = SeededGenerator(seed: 35)
    let values = (0..<1000).map { _ in 1000 + Double.random(in: -1...1, using: &random) }
    var merged = ChannelStatistics.empty
    var start = 0
    for size in [1, 7, 100, 392, 500] {
      let part = values[start..<(start + size)]
      let mean = part.reduce(0, +) / Double(size)
      merged = merged.merged(with: ChannelStatistics(count: Double(size), mean: mean, squaredDeviations: part.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }))
      start += size
    }
    let mean = values.reduce(0, +) / 1000
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 1000
    XCTAssertEqual(merged.count, 1000)
    XCTAssertEqual(merged.mean, mean, accuracy: 1e-10)
    XCTAssertEqual(merged.variance, variance, accuracy: 1e-10)
  }
}
