// Tests of ReferenceOps.concat: operand order along channels (STU-Net's [upsampled, skip]),
// other axes, negative axes and validation.

import Interpreter
import TensorCore
import XCTest

final class ConcatOpTests: XCTestCase {
  func testChannelConcatKeepsOperandOrderPerSample() throws {
    let upsampled = Tensor(shape: [2, 1, 1, 1, 2], data: [1, 2, 3, 4])
    let skip = Tensor(shape: [2, 2, 1, 1, 2], data: [10, 11, 12, 13, 20, 21, 22, 23])
    let y = try ReferenceOps.concat([upsampled, skip], axis: 1)
    XCTAssertEqual(y.shape, [2, 3, 1, 1, 2])
    XCTAssertEqual(y.data, [1, 2, 10, 11, 12, 13, 3, 4, 20, 21, 22, 23])
    let reversed = try ReferenceOps.concat([skip, upsampled], axis: 1)
    XCTAssertEqual(reversed.data, [10, 11, 12, 13, 1, 2, 20, 21, 22, 23, 3, 4])
  }

  func testOtherAxesAndNegativeAxis() throws {
    let a = Tensor(shape: [1, 1, 1, 2, 2], data: [1, 2, 3, 4])
    let b = Tensor(shape: [1, 1, 1, 2, 1], data: [5, 6])
    XCTAssertEqual(try ReferenceOps.concat([a, b], axis: -1).data, [1, 2, 5, 3, 4, 6])
    XCTAssertEqual(try ReferenceOps.concat([a, b], axis: 4).shape, [1, 1, 1, 2, 3])
    XCTAssertEqual(try ReferenceOps.concat([a, a], axis: 0).data, [1, 2, 3, 4, 1, 2, 3, 4])
    XCTAssertEqual(try ReferenceOps.concat([a], axis: 2), a)
  }

  func testMismatchedOperandsThrow() {
    let a = Tensor(zeros: [1, 2, 4, 4, 4])
    XCTAssertThrowsError(try ReferenceOps.concat([a, Tensor(zeros: [1, 2, 4, 4, 2])], axis: 1)) { error in
      guard case ReferenceOpError.shapeMismatch(let op, _, _, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(op, "concat")
    }
    XCTAssertThrowsError(try ReferenceOps.concat([a, Tensor(zeros: [1, 2, 4, 4])], axis: 1))
    XCTAssertThrowsError(try ReferenceOps.concat([], axis: 1))
    XCTAssertThrowsError(try ReferenceOps.concat([a], axis: 5))
    XCTAssertThrowsError(try ReferenceOps.concat([a, Tensor(zeros: [1, 2, 4, 4, 4], dtype: .i64)], axis: 1))
  }
}
