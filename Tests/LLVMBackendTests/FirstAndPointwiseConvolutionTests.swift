// The single-channel first convolution (plain input) and the 1x1x1 convolution (row view for
// stride 1, direct for strides) against the fp64 reference.
import LLVMBackend
import Runtime
import TensorCore
import XCTest

final class FirstAndPointwiseConvolutionTests: XCTestCase {
  func runFirst(_ spec: FirstConvolutionSpec, seed: UInt64) throws -> ComparisonReport {
    var random = SeededGenerator(seed: seed)
    let input = random.floats(spec.inputExtent.voxelCount)
    let weights = random.floats(spec.outputChannels * spec.kernel.voxelCount)
    let bias = random.floats(spec.outputChannels)
    let generator = try FirstConvolutionKernel(spec)
    let kernel = try TestSupport.compiler.compile(generator)
    let inputBuffer = try TestSupport.aligned(input)
    let weightBuffer = try TestSupport.aligned(try generator.packWeights(weights))
    let biasBuffer = try TestSupport.aligned(try generator.packBias(bias))
    let outputCount = BlockedLayout.elementCount(channels: spec.outputChannels, extent: generator.outputExtent)
    let outputBuffer = try TestSupport.alignedZeros(outputCount)
    var arguments = [TestSupport.argument(inputBuffer, count: input.count), TestSupport.argument(weightBuffer, count: generator.packedWeightCount)]
    if spec.hasBias { arguments.append(TestSupport.argument(biasBuffer, count: BlockedLayout.channelBlocks(spec.outputChannels) * 8)) }
    arguments.append(TestSupport.argument(outputBuffer, count: outputCount))
    try kernel.run(arguments, pool: try ThreadPool(threads: 2))
    let jit = BlockedLayout.unpack(UnsafeBufferPointer(outputBuffer.allFloats), channels: spec.outputChannels, extent: generator.outputExtent)
    let reference = Reference.convolution(
      input: input, inputChannels: 1, extent: spec.inputExtent, weights: weights, bias: spec.hasBias ? bias : nil,
      outputChannels: spec.outputChannels, kernel: spec.kernel, stride: spec.stride, padding: spec.padding)
    XCTAssertEqual(reference.extent, generator.outputExtent)
    return TensorComparison.compare(jit, reference.output)
  }

  func runPointwise(_ spec: PointwiseConvolutionSpec, seed: UInt64) throws -> ComparisonReport {
    var random = SeededGenerator(seed: seed)
    let input = random.floats(spec.inputChannels * spec.inputExtent.voxelCount)
    let weights = random.floats(spec.outputChannels * spec.inputChannels)
    let bias = random.floats(spec.outputChannels)
    let generator = try PointwiseConvolutionKernel(spec)
    let kernel = try TestSupport.compiler.compile(generator)
    let blockedInput = input.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: spec.inputChannels, extent: spec.inputExtent) }
    let inputBuffer = try TestSupport.aligned(blockedInput)
    let weightBuffer = try TestSupport.aligned(try generator.packWeights(weights))
    let biasBuffer = try TestSupport.aligned(try generator.packBias(bias))
    let outputCount = BlockedLayout.elementCount(channels: spec.outputChannels, extent: generator.outputExtent)
    let outputBuffer = try TestSupport.alignedZeros(outputCount)
    var arguments = [TestSupport.argument(inputBuffer, count: blockedInput.count), TestSupport.argument(weightBuffer, count: generator.packedWeightCount)]
    if spec.hasBias { arguments.append(TestSupport.argument(biasBuffer, count: BlockedLayout.channelBlocks(spec.outputChannels) * 8)) }
    arguments.append(TestSupport.argument(outputBuffer, count: outputCount))
    try kernel.run(arguments, pool: try ThreadPool(threads: 2))
    let jit = BlockedLayout.unpack(UnsafeBufferPointer(outputBuffer.allFloats), channels: spec.outputChannels, extent: generator.outputExtent)
    let reference = Reference.convolution(
      input: input, inputChannels: spec.inputChannels, extent: spec.inputExtent, weights: weights, bias: spec.hasBias ? bias : nil,
      outputChannels: spec.outputChannels, kernel: Extent3(uniform: 1), stride: spec.stride, padding: Extent3(uniform: 0))
    XCTAssertEqual(reference.extent, generator.outputExtent)
    return TensorComparison.compare(jit, reference.output)
  }

  func testFirstConvolutionThreeByThree() throws {
    let report = try runFirst(FirstConvolutionSpec(name: "first_3", outputChannels: 16, inputExtent: Extent3(6, 7, 15), hasBias: true), seed: 11)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
  }

  func testFirstConvolutionOddChannelsAndStride() throws {
    let spec = FirstConvolutionSpec(name: "first_odd", outputChannels: 13, inputExtent: Extent3(5, 6, 9), stride: Extent3(1, 2, 2))
    let report = try runFirst(spec, seed: 12)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
  }

  func testFirstConvolutionOneByOneShortcut() throws {
    let spec = FirstConvolutionSpec(
      name: "first_1x1", outputChannels: 16, inputExtent: Extent3(4, 5, 8), kernel: Extent3(uniform: 1), padding: Extent3(uniform: 0),
      hasBias: true)
    let report = try runFirst(spec, seed: 13)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
  }

  func testPointwiseWideRows() throws {
    let spec = PointwiseConvolutionSpec(name: "pw_wide", inputChannels: 24, outputChannels: 20, inputExtent: Extent3(2, 3, 50))
    let report = try runPointwise(spec, seed: 14)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
  }

  func testPointwiseNarrowVolumeUsesRowView() throws {
    let spec = PointwiseConvolutionSpec(name: "pw_narrow", inputChannels: 70, outputChannels: 35, inputExtent: Extent3(4, 4, 4))
    let report = try runPointwise(spec, seed: 15)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
  }

  func testPointwiseHeadWithManyClasses() throws {
    let spec = PointwiseConvolutionSpec(name: "pw_head", inputChannels: 16, outputChannels: 105, inputExtent: Extent3(3, 4, 8))
    let report = try runPointwise(spec, seed: 16)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
  }

  func testPointwiseHeadWithStreamingStores() throws {
    let spec = PointwiseConvolutionSpec(
      name: "pw_head_nt", inputChannels: 16, outputChannels: 105, inputExtent: Extent3(2, 4, 16), streamingStores: true)
    let report = try runPointwise(spec, seed: 19)
    XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "\(report)")
    let assembly = try TestSupport.compiler.buildModule([try PointwiseConvolutionKernel(spec)], name: "nt_asm").assembly()
    if TestSupport.compiler.target.hasAVX { XCTAssertTrue(assembly.contains("vmovntps"), "no non-temporal stores emitted") }
    XCTAssertThrowsError(
      try PointwiseConvolutionKernel(
        PointwiseConvolutionSpec(name: "nt_stats", inputChannels: 8, outputChannels: 8, inputExtent: Extent3(uniform: 4), computesStatistics: true, streamingStores: true)))
  }

  func testPointwiseStridedShortcuts() throws {
    for (index, stride) in [Extent3(uniform: 2), Extent3(1, 1, 2)].enumerated() {
      let spec = PointwiseConvolutionSpec(
        name: "pw_stride_\(index)", inputChannels: 16, outputChannels: 32, inputExtent: Extent3(4, 6, 10), stride: stride, hasBias: true)
      let report = try runPointwise(spec, seed: 17 + UInt64(index))
      XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1e-4, "stride \(stride): \(report)")
    }
  }
}
