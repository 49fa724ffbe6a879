// Test-time mirroring helpers, softmax over channels and argmax.
import Foundation
import Segmentation
import TensorCore
import XCTest

final class MirroringAndSoftmaxTests: XCTestCase {
  func testMirroringOrderIsNnUNets() {
    XCTAssertEqual(Mirroring.testTimeAugmentationAxes, [[], [2], [1], [1, 2], [0], [0, 2], [0, 1], [0, 1, 2]])
  }

  func testFlipReversesTheChosenAxesAndIsItsOwnInverse() throws {
    let shape = [2, 3, 4, 5]
    let tensor = Tensor(shape: shape, data: (0..<120).map(Float.init))
    let flipped = try Mirroring.flip(tensor, spatialAxes: [0, 2])
    // Element (c, k, j, i) comes from (c, 2 - k, j, 4 - i).
    for (c, k, j, i) in [(0, 0, 0, 0), (1, 2, 3, 1), (0, 1, 2, 4)] {
      let target = ((c * 3 + k) * 4 + j) * 5 + i
      let source = ((c * 3 + (2 - k)) * 4 + j) * 5 + (4 - i)
      XCTAssertEqual(flipped.data[target], tensor.data[source])
    }
    for axes in Mirroring.testTimeAugmentationAxes {
      XCTAssertEqual(try Mirroring.flip(try Mirroring.flip(tensor, spatialAxes: axes), spatialAxes: axes), tensor)
    }
  }

  func testMirroredAccumulationEqualsFlipThenScaledAdd() throws {
    let shape = [2, 3, 4, 5]
    let prediction = Tensor(shape: shape, data: pseudoRandomValues(count: 120, seed: 8))
    var result = Tensor(zeros: shape)
    var expected = [Float](repeating: 0, count: 120)
    for axes in Mirroring.testTimeAugmentationAxes {
      try Mirroring.accumulate(prediction, flippedAlong: axes, weight: 0.125, into: &result)
      let flipped = try Mirroring.flip(prediction, spatialAxes: axes)
      for index in expected.indices { expected[index] += 0.125 * flipped.data[index] }
    }
    XCTAssertEqual(result.data, expected)
  }

  func testSoftmaxMatchesReference() throws {
    var logits = Tensor(shape: [5, 2, 3, 4], data: SegmentationReferences.softmaxInput)
    try ChannelSoftmax.apply(to: &logits)
    assertClose(logits.data, SegmentationReferences.softmaxOutput, relativeToScale: 1e-6, "softmax")
  }

  func testSoftmaxExponentialIsAccurateToAFewUlps() {
    var worst = 0.0
    var x: Float = -87
    while x <= 88 {
      let exact = Foundation.exp(Double(x))
      let relative = abs(Double(ChannelSoftmax.exponential(x)) - exact) / exact
      worst = max(worst, relative)
      x += 0.0137
    }
    XCTAssertLessThan(worst, 3e-7, "worst relative error \(worst)")
    XCTAssertEqual(ChannelSoftmax.exponential(0), 1)
    XCTAssertEqual(ChannelSoftmax.exponential(-200), 0)
  }

  func testSoftmaxOfWideLogitsMatchesDoublePrecision() throws {
    let values = pseudoRandomValues(count: 7 * 300, seed: 77, scale: 60)
    var logits = Tensor(shape: [7, 3, 10, 10], data: values)
    try ChannelSoftmax.apply(to: &logits)
    for voxel in 0..<300 {
      // x - max is rounded to float32 first, as in any float32 softmax; the rest in double.
      let column = (0..<7).map { values[$0 * 300 + voxel] }
      let peak = column.max() ?? 0
      let shifted = column.map { Double($0 - peak) }
      let total = shifted.map { Foundation.exp($0) }.reduce(0, +)
      for channel in 0..<7 {
        let expected = Foundation.exp(shifted[channel]) / total
        XCTAssertEqual(Double(logits.data[channel * 300 + voxel]), expected, accuracy: 1e-6 * max(expected, 1e-30) + 1e-37)
      }
    }
  }

  func testArgmaxTakesTheFirstChannelOnTies() throws {
    let probabilities = Tensor(shape: [3, 1, 1, 3], data: [0.2, 0.5, 0.1, 0.5, 0.5, 0.1, 0.3, 0, 0.8])
    XCTAssertEqual(labelInts(try ChannelArgmax.labels(of: probabilities)), [1, 0, 2])
  }
}
