// Test-time mirroring helpers, softmax over channels and argmax.
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

  func testArgmaxTakesTheFirstChannelOnTies() throws {
    let probabilities = Tensor(shape: [3, 1, 1, 3], data: [0.2, 0.5, 0.1, 0.5, 0.5, 0.1, 0.3, 0, 0.8])
    XCTAssertEqual(labelInts(try ChannelArgmax.labels(of: probabilities)), [1, 0, 2])
  }
}
