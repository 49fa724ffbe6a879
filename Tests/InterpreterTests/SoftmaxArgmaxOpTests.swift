// Tests of ReferenceOps.softmax (sums to one, matches a float64 formula, stable for large logits)
// and ReferenceOps.argmax (axis removed, dtype i64, ties to the lowest index, NaN as maximum).

import Foundation
import Interpreter
import TensorCore
import XCTest

final class SoftmaxArgmaxOpTests: XCTestCase {
  func testSoftmaxAlongChannelsSumsToOneAndMatchesFloat64() throws {
    var random = OpTestRandom(seed: 8)
    let x = random.uniformTensor([2, 5, 3, 4, 3], -6, 6)
    let y = try ReferenceOps.softmax(x, axis: 1)
    XCTAssertEqual(y.shape, x.shape)
    let inner = 36
    for n in 0..<2 {
      for j in 0..<inner {
        let indices = (0..<5).map { (n * 5 + $0) * inner + j }
        let maximum = indices.map { Double(x.data[$0]) }.max() ?? 0
        let exponentials = indices.map { exp(Double(x.data[$0]) - maximum) }
        let total = exponentials.reduce(0, +)
        var sum = 0.0
        for (k, index) in indices.enumerated() {
          XCTAssertEqual(Double(y.data[index]), exponentials[k] / total, accuracy: 1e-7)
          sum += Double(y.data[index])
        }
        XCTAssertEqual(sum, 1, accuracy: 1e-6)
      }
    }
  }

  func testSoftmaxIsStableForLargeLogitsAndAlongLastAxis() throws {
    let x = Tensor(shape: [1, 3], data: [1000, 1001, 1002])
    let y = try ReferenceOps.softmax(x, axis: -1)
    let e = [exp(-2.0), exp(-1.0), 1.0]
    let total = e.reduce(0, +)
    for k in 0..<3 { XCTAssertEqual(Double(y.data[k]), e[k] / total, accuracy: 1e-7) }
    XCTAssertThrowsError(try ReferenceOps.softmax(x, axis: 2))
  }

  func testArgmaxRemovesAxisAndBreaksTiesTowardsLowestIndex() throws {
    // Channels (axis 1) of 4 voxels: [3,1,3] -> 0, [0,5,5] -> 1, [2,2,2] -> 0, [-1,-3,4] -> 2.
    let x = Tensor(shape: [1, 3, 1, 2, 2], data: [3, 0, 2, -1, 1, 5, 2, -3, 3, 5, 2, 4])
    let y = try ReferenceOps.argmax(x, axis: 1)
    XCTAssertEqual(y.shape, [1, 1, 2, 2])
    XCTAssertEqual(y.dtype, .i64)
    XCTAssertEqual(y.data, [0, 1, 0, 2])
    // Rows along the last axis: [3,0] [2,-1] [1,5] [2,-3] [3,5] [2,4].
    XCTAssertEqual(try ReferenceOps.argmax(x, axis: -1).data, [0, 0, 1, 0, 1, 1])
    // A NaN counts as the maximum; the first one wins.
    let withNaN = Tensor(shape: [1, 4], data: [1, .nan, 7, .nan])
    XCTAssertEqual(try ReferenceOps.argmax(withNaN, axis: 1).data, [1])
    XCTAssertThrowsError(try ReferenceOps.argmax(x, axis: 5))
  }

  func testArgmaxOfSoftmaxEqualsArgmaxOfLogitsOnLargeVolume() throws {
    var random = OpTestRandom(seed: 9)
    let logits = random.uniformTensor([1, 7, 9, 10, 11], -4, 4)
    let labels = try ReferenceOps.argmax(logits, axis: 1)
    XCTAssertEqual(labels, try ReferenceOps.argmax(try ReferenceOps.softmax(logits, axis: 1), axis: 1))
    let voxels = 9 * 10 * 11
    for v in stride(from: 0, to: voxels, by: 13) {
      let column = (0..<7).map { logits.data[$0 * voxels + v] }
      XCTAssertEqual(Int(labels.data[v]), column.firstIndex(of: column.max() ?? 0))
    }
  }
}
