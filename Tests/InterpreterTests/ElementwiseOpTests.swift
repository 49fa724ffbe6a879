// Tests of ReferenceOps.leakyRelu and ReferenceOps.add.

import Interpreter
import TensorCore
import XCTest

final class ElementwiseOpTests: XCTestCase {
  func testLeakyReluKeepsPositivesAndScalesNegatives() {
    let x = Tensor(shape: [1, 1, 1, 1, 5], data: [-2, -0.5, 0, 0.25, 3])
    let y = ReferenceOps.leakyRelu(x, slope: 0.01)
    XCTAssertEqual(y.shape, x.shape)
    XCTAssertEqual(y.data, [-0.02, -0.005, 0, 0.25, 3])
    XCTAssertTrue(ReferenceOps.leakyRelu(Tensor(shape: [1], data: [.nan]), slope: 0.01).data[0].isNaN)
  }

  func testAddIsElementwiseAndRejectsDifferentShapes() throws {
    let a = Tensor(shape: [1, 2, 1, 1, 2], data: [1, 2, 3, 4])
    let b = Tensor(shape: [1, 2, 1, 1, 2], data: [0.5, -2, 10, 0])
    XCTAssertEqual(try ReferenceOps.add(a, b).data, [1.5, 0, 13, 4])
    XCTAssertThrowsError(try ReferenceOps.add(a, Tensor(zeros: [1, 2, 1, 2, 1]))) { error in
      guard case ReferenceOpError.shapeMismatch(let op, _, _, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "add")
    }
  }

  func testLargeTensorsTakeTheParallelPathCorrectly() throws {
    var random = OpTestRandom(seed: 5)
    let a = random.uniformTensor([1, 3, 40, 40, 41])
    let b = random.uniformTensor([1, 3, 40, 40, 41])
    let sum = try ReferenceOps.add(a, b)
    let activated = ReferenceOps.leakyRelu(a, slope: 0.2)
    for i in stride(from: 0, to: a.count, by: 997) {
      XCTAssertEqual(sum.data[i], a.data[i] + b.data[i])
      XCTAssertEqual(activated.data[i], a.data[i] > 0 ? a.data[i] : a.data[i] * 0.2)
    }
    XCTAssertEqual(sum.data.last, a.data[a.count - 1] + b.data[b.count - 1])
  }
}
