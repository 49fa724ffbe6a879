// Tests of ReferenceOps.upsampleNearest: exact values (output[i] = input[i / s] per spatial axis),
// validation, and the exact commutation conv1x1(upsample(x)) == upsample(conv1x1(x)) bit for bit
// that the optimizer's rewrite relies on.

import Interpreter
import TensorCore
import XCTest

final class UpsampleOpTests: XCTestCase {
  func testNearestUpsamplingRepeatsEachVoxel() throws {
    // [1, 1, 1, 2, 2] by (1, 2, 3).
    let x = Tensor(shape: [1, 1, 1, 2, 2], data: [1, 2, 3, 4])
    let y = try ReferenceOps.upsampleNearest(x, scale: [1, 2, 3])
    XCTAssertEqual(y.shape, [1, 1, 1, 4, 6])
    XCTAssertEqual(y.data, [
      1, 1, 1, 2, 2, 2,
      1, 1, 1, 2, 2, 2,
      3, 3, 3, 4, 4, 4,
      3, 3, 3, 4, 4, 4,
    ])
  }

  func testEveryOutputVoxelReadsInputAtIndexDividedByScale() throws {
    var random = OpTestRandom(seed: 3)
    let x = random.uniformTensor([2, 3, 3, 2, 4])
    let scale = [2, 3, 2]
    let y = try ReferenceOps.upsampleNearest(x, scale: scale)
    XCTAssertEqual(y.shape, [2, 3, 6, 6, 8])
    var index = 0
    for n in 0..<2 { for c in 0..<3 { for d in 0..<6 { for h in 0..<6 { for w in 0..<8 {
      let source = (((n * 3 + c) * 3 + d / 2) * 2 + h / 3) * 4 + w / 2
      XCTAssertEqual(y.data[index], x.data[source])
      index += 1
    } } } } }
  }

  func testInvalidScaleThrows() {
    let x = Tensor(zeros: [1, 1, 2, 2, 2])
    XCTAssertThrowsError(try ReferenceOps.upsampleNearest(x, scale: [2, 2]))
    XCTAssertThrowsError(try ReferenceOps.upsampleNearest(x, scale: [2, 0, 2])) { error in
      XCTAssertTrue("\(error)".contains("upsample_nearest"), "\(error)")
    }
  }

  /// conv1x1(upsample(x)) == upsample(conv1x1(x)) bit for bit, for STU-Net's scales, with voxel
  /// counts that are and are not multiples of the kernel's vector width, batch 1 and 2.
  func testPointwiseConvolutionCommutesWithUpsamplingBitForBit() throws {
    var random = OpTestRandom(seed: 33)
    let configurations: [(shape: [Int], outputChannels: Int, scale: [Int])] = [
      ([1, 5, 3, 4, 5], 7, [2, 2, 2]),
      ([2, 12, 2, 3, 3], 6, [1, 1, 2]),
      ([1, 32, 4, 4, 2], 16, [2, 2, 2]),
    ]
    for configuration in configurations {
      let x = random.uniformTensor(configuration.shape, -3, 3)
      let weight = random.uniformTensor([configuration.outputChannels, configuration.shape[1], 1, 1, 1])
      let bias = random.uniformTensor([configuration.outputChannels])
      let noPadding = [0, 0, 0, 0, 0, 0]
      let upsampledFirst = try ReferenceOps.conv3d(
        try ReferenceOps.upsampleNearest(x, scale: configuration.scale), weight: weight, bias: bias,
        stride: [1, 1, 1], padding: noPadding)
      let convolvedFirst = try ReferenceOps.upsampleNearest(
        try ReferenceOps.conv3d(x, weight: weight, bias: bias, stride: [1, 1, 1], padding: noPadding),
        scale: configuration.scale)
      XCTAssertEqual(upsampledFirst.shape, convolvedFirst.shape)
      XCTAssertEqual(opTestBits(upsampledFirst), opTestBits(convolvedFirst), "\(configuration)")
    }
  }
}
