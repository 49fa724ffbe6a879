// Tests of ReferenceOps.conv3d against the direct fp64 convolution: varied channel counts,
// kernels 3 and 1, strides 1, 2 and (1,1,2), asymmetric paddings, non-cubic inputs, batch 2,
// both GEMM precisions; cases C29 (per-axis padding on a non-cubic input) and C30 (stride-2
// output sizes); invalid operands; and a printed timing of a 64^3 convolution.

import Dispatch
import Foundation
import Interpreter
import TensorCore
import XCTest

final class Conv3DOpTests: XCTestCase {
  struct ConvCase {
    var batch: Int
    var inputChannels: Int
    var outputChannels: Int
    var spatial: [Int]
    var kernel: [Int]
    var stride: [Int]
    var padding: [Int]
    var withBias = true
  }

  static let cases: [ConvCase] = [
    ConvCase(batch: 2, inputChannels: 3, outputChannels: 5, spatial: [6, 7, 5], kernel: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1, 1, 1, 1]),
    ConvCase(batch: 1, inputChannels: 16, outputChannels: 8, spatial: [5, 6, 7], kernel: [3, 3, 3], stride: [2, 2, 2], padding: [1, 1, 1, 1, 1, 1]),
    ConvCase(batch: 2, inputChannels: 4, outputChannels: 6, spatial: [7, 5, 9], kernel: [3, 3, 3], stride: [1, 1, 2], padding: [1, 1, 1, 1, 1, 1]),
    ConvCase(batch: 1, inputChannels: 32, outputChannels: 17, spatial: [6, 5, 4], kernel: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1, 1, 1, 1], withBias: false),
    ConvCase(batch: 2, inputChannels: 8, outputChannels: 16, spatial: [4, 5, 6], kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0, 0, 0, 0]),
    ConvCase(batch: 1, inputChannels: 33, outputChannels: 10, spatial: [3, 5, 11], kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0, 0, 0, 0]),
    ConvCase(batch: 2, inputChannels: 6, outputChannels: 4, spatial: [5, 6, 7], kernel: [1, 1, 1], stride: [2, 2, 2], padding: [0, 0, 0, 0, 0, 0]),
    ConvCase(batch: 1, inputChannels: 2, outputChannels: 3, spatial: [5, 4, 6], kernel: [2, 3, 1], stride: [2, 1, 1], padding: [0, 1, 1, 0, 0, 2]),
    ConvCase(batch: 2, inputChannels: 1, outputChannels: 16, spatial: [8, 6, 10], kernel: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1, 1, 1, 1]),
  ]

  func testConvMatchesDirectFP64ReferenceOnVariedShapes() throws {
    var random = OpTestRandom(seed: 11)
    for (index, c) in Self.cases.enumerated() {
      let x = random.uniformTensor([c.batch, c.inputChannels] + c.spatial)
      let weight = random.uniformTensor([c.outputChannels, c.inputChannels] + c.kernel, -0.5, 0.5)
      let bias = c.withBias ? random.uniformTensor([c.outputChannels]) : nil
      let reference = try ReferenceOps.conv3dDirectReference(x, weight: weight, bias: bias, stride: c.stride, padding: c.padding)
      let expectedShape = try ReferenceOps.conv3dOutputShape(
        input: x.shape, weight: weight.shape, bias: bias?.shape, stride: c.stride, padding: c.padding)
      XCTAssertEqual(reference.shape, expectedShape, "case \(index)")
      for (accumulation, bound) in [(ReferenceOps.ConvAccumulation.float32, 1e-5), (.float64, 1e-6)] {
        let result = try ReferenceOps.conv3d(
          x, weight: weight, bias: bias, stride: c.stride, padding: c.padding, accumulation: accumulation)
        XCTAssertEqual(result.shape, reference.shape, "case \(index) \(accumulation)")
        let report = TensorComparison.compare(result, reference)
        XCTAssertLessThanOrEqual(report.maxRelativeToScale, bound, "case \(index) \(accumulation): \(report)")
      }
    }
  }

  func testOutputSizesFollowFloorFormula() throws {
    // 5 + 1 + 0 - 3 = 3 -> 3 / 2 + 1 = 2; 9 + 2 + 2 - 5 = 8 -> 8 / 3 + 1 = 3; 4 + 0 + 3 - 2 = 5 -> 6.
    let shape = try ReferenceOps.conv3dOutputShape(
      input: [1, 2, 5, 9, 4], weight: [7, 2, 3, 5, 2], bias: [7], stride: [2, 3, 1], padding: [1, 0, 2, 2, 0, 3])
    XCTAssertEqual(shape, [1, 7, 2, 3, 6])
  }

  /// Case C29: per-axis paddings on a non-cubic input, kernel 16x5x5, pads D (7,8), H (2,2), W (2,2).
  func testC29PerAxisPaddingEqualsExplicitlyPaddedInput() throws {
    var random = OpTestRandom(seed: 29)
    let x = random.uniformTensor([1, 1, 128, 64, 32])
    let weight = random.uniformTensor([2, 1, 16, 5, 5], -0.2, 0.2)
    let bias = random.uniformTensor([2])
    let padding = [7, 8, 2, 2, 2, 2]
    let built = try ReferenceOps.conv3d(x, weight: weight, bias: bias, stride: [1, 1, 1], padding: padding)
    XCTAssertEqual(built.shape, [1, 2, 128, 64, 32])
    let padded = try ReferenceOps.pad(x, padding: padding)
    XCTAssertEqual(padded.shape, [1, 1, 143, 68, 36])
    let explicit = try ReferenceOps.conv3d(padded, weight: weight, bias: bias, stride: [1, 1, 1], padding: [0, 0, 0, 0, 0, 0])
    XCTAssertEqual(explicit.shape, built.shape)
    let direct = try ReferenceOps.conv3dDirectReference(padded, weight: weight, bias: bias, stride: [1, 1, 1], padding: [0, 0, 0, 0, 0, 0])
    XCTAssertLessThanOrEqual(TensorComparison.compare(built, explicit).maxRelativeToScale, 1e-6)
    XCTAssertLessThanOrEqual(TensorComparison.compare(built, direct).maxRelativeToScale, 1e-5)
    // Swapping the D and W paddings must change the output shape, so a swap cannot go unnoticed.
    let swapped = try ReferenceOps.conv3dOutputShape(
      input: x.shape, weight: weight.shape, bias: nil, stride: [1, 1, 1], padding: [2, 2, 2, 2, 7, 8])
    XCTAssertNotEqual(swapped, built.shape)
  }

  /// Case C29, second part: 3x3x3 kernels on non-cubic inputs, against explicit padding.
  func testC29ThreeCubedKernelsOnNonCubicInputs() throws {
    var random = OpTestRandom(seed: 290)
    for spatial in [[9, 5, 12], [4, 11, 6], [13, 3, 7]] {
      let x = random.uniformTensor([1, 3] + spatial)
      let weight = random.uniformTensor([4, 3, 3, 3, 3], -0.3, 0.3)
      let bias = random.uniformTensor([4])
      let built = try ReferenceOps.conv3d(x, weight: weight, bias: bias, stride: [1, 1, 1], padding: [1, 1, 1, 1, 1, 1])
      XCTAssertEqual(built.shape, [1, 4] + spatial)
      let padded = try ReferenceOps.pad(x, padding: [1, 1, 1, 1, 1, 1])
      let direct = try ReferenceOps.conv3dDirectReference(padded, weight: weight, bias: bias, stride: [1, 1, 1], padding: [0, 0, 0, 0, 0, 0])
      XCTAssertLessThanOrEqual(TensorComparison.compare(built, direct).maxRelativeToScale, 1e-5, "\(spatial)")
    }
  }

  /// Case C30: kernel 3, stride 2, pad 1 on sizes 1, 5, 6, 7 gives 1, 3, 3, 4.
  func testC30StrideTwoOutputSizesAndValues() throws {
    var random = OpTestRandom(seed: 30)
    let expected = [1: 1, 5: 3, 6: 3, 7: 4]
    let shapes = [[1, 1, 1], [5, 5, 5], [6, 6, 6], [7, 7, 7], [1, 5, 6], [7, 6, 5], [6, 1, 7]]
    for spatial in shapes {
      let x = random.uniformTensor([1, 2] + spatial)
      let weight = random.uniformTensor([3, 2, 3, 3, 3], -0.5, 0.5)
      let bias = random.uniformTensor([3])
      let result = try ReferenceOps.conv3d(x, weight: weight, bias: bias, stride: [2, 2, 2], padding: [1, 1, 1, 1, 1, 1])
      XCTAssertEqual(result.shape, [1, 3] + spatial.compactMap { expected[$0] }, "\(spatial)")
      let direct = try ReferenceOps.conv3dDirectReference(x, weight: weight, bias: bias, stride: [2, 2, 2], padding: [1, 1, 1, 1, 1, 1])
      XCTAssertEqual(direct.shape, result.shape)
      XCTAssertLessThanOrEqual(TensorComparison.compare(result, direct).maxRelativeToScale, 1e-5, "\(spatial)")
    }
  }

  func testInvalidOperandsThrowTypedErrors() {
    let x = Tensor(zeros: [1, 2, 4, 4, 4])
    let stride = [1, 1, 1]
    let padding = [1, 1, 1, 1, 1, 1]
    XCTAssertThrowsError(try ReferenceOps.conv3d(x, weight: Tensor(zeros: [3, 4, 3, 3, 3]), bias: nil, stride: stride, padding: padding)) { error in
      guard case ReferenceOpError.shapeMismatch(let op, _, let expected, let actual) = error else {
        return XCTFail("unexpected error \(error)")
      }
      XCTAssertEqual(op, "conv3d")
      XCTAssertEqual(expected, [2])
      XCTAssertEqual(actual, [4])
      XCTAssertTrue("\(error)".contains("input channels"), "\(error)")
    }
    let weight = Tensor(zeros: [3, 2, 3, 3, 3])
    XCTAssertThrowsError(try ReferenceOps.conv3d(x, weight: weight, bias: Tensor(zeros: [2]), stride: stride, padding: padding))
    XCTAssertThrowsError(try ReferenceOps.conv3d(x, weight: weight, bias: nil, stride: [1, 1], padding: padding))
    XCTAssertThrowsError(try ReferenceOps.conv3d(x, weight: weight, bias: nil, stride: [1, 0, 1], padding: padding))
    XCTAssertThrowsError(try ReferenceOps.conv3d(x, weight: weight, bias: nil, stride: stride, padding: [1, 1, 1]))
    XCTAssertThrowsError(try ReferenceOps.conv3d(x, weight: weight, bias: nil, stride: stride, padding: [1, 1, -1, 1, 1, 1]))
    XCTAssertThrowsError(try ReferenceOps.conv3d(Tensor(zeros: [2, 4, 4, 4]), weight: weight, bias: nil, stride: stride, padding: padding))
    XCTAssertThrowsError(
      try ReferenceOps.conv3d(x, weight: Tensor(zeros: [3, 2, 7, 3, 3]), bias: nil, stride: stride, padding: padding)
    ) { error in
      XCTAssertTrue("\(error)".contains("exceeds the padded input size"), "\(error)")
    }
  }

  /// Prints (does not assert) the speed of one 1x32x64^3 -> 32 channel 3x3x3 convolution.
  func testPrintConvolutionThroughput() throws {
    var random = OpTestRandom(seed: 64)
    let x = random.uniformTensor([1, 32, 64, 64, 64])
    let weight = random.uniformTensor([32, 32, 3, 3, 3], -0.1, 0.1)
    let bias = random.uniformTensor([32])
    let padding = [1, 1, 1, 1, 1, 1]
    let macs = try ReferenceOps.conv3dMultiplyAccumulates(input: x.shape, weight: weight.shape, stride: [1, 1, 1], padding: padding)
    for accumulation in [ReferenceOps.ConvAccumulation.float32, .float64] {
      _ = try ReferenceOps.conv3d(x, weight: weight, bias: bias, stride: [1, 1, 1], padding: padding, accumulation: accumulation)
      let start = DispatchTime.now().uptimeNanoseconds
      let y = try ReferenceOps.conv3d(x, weight: weight, bias: bias, stride: [1, 1, 1], padding: padding, accumulation: accumulation)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      XCTAssertEqual(y.shape, [1, 32, 64, 64, 64])
      let rate = String(format: "%.3f s, %.1f GFLOP/s (%.2f GMAC)", seconds, 2 * Double(macs) / seconds / 1e9, Double(macs) / 1e9)
      print("conv3d 1x32x64^3 -> 32, 3x3x3, \(accumulation): \(rate)")
    }
  }
}
