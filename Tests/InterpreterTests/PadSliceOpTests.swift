// Tests of ReferenceOps.pad (constant padding of the spatial axes, before/after per axis) and
// ReferenceOps.slice (a box of a tensor), including slice(pad(x)) == x.

import Interpreter
import TensorCore
import XCTest

final class PadSliceOpTests: XCTestCase {
  func testPadPlacesInputAfterBeforePaddingAndFillsTheRest() throws {
    let x = Tensor(shape: [1, 1, 1, 1, 2], data: [1, 2])
    let y = try ReferenceOps.pad(x, padding: [0, 1, 1, 0, 2, 1], value: -7)
    XCTAssertEqual(y.shape, [1, 1, 2, 2, 5])
    XCTAssertEqual(y.data, [
      -7, -7, -7, -7, -7,
      -7, -7, 1, 2, -7,
      -7, -7, -7, -7, -7,
      -7, -7, -7, -7, -7,
    ])
  }

  func testSliceOfPadRecoversInput() throws {
    var random = OpTestRandom(seed: 12)
    let x = random.uniformTensor([2, 3, 4, 5, 6])
    let padded = try ReferenceOps.pad(x, padding: [7, 8, 2, 2, 0, 3])
    XCTAssertEqual(padded.shape, [2, 3, 19, 9, 9])
    XCTAssertEqual(try ReferenceOps.slice(padded, lower: [0, 0, 7, 2, 0], upper: [2, 3, 11, 7, 6]), x)
    let zeros = padded.data.filter { $0 == 0 }.count
    XCTAssertEqual(zeros, padded.count - x.count)
  }

  func testSliceSelectsTheBox() throws {
    let x = Tensor(shape: [1, 2, 1, 2, 3], data: [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15])
    let y = try ReferenceOps.slice(x, lower: [0, 1, 0, 0, 1], upper: [1, 2, 1, 2, 3])
    XCTAssertEqual(y.shape, [1, 1, 1, 2, 2])
    XCTAssertEqual(y.data, [11, 12, 14, 15])
  }

  func testInvalidAttributesThrow() {
    let x = Tensor(zeros: [1, 1, 2, 2, 2])
    XCTAssertThrowsError(try ReferenceOps.pad(x, padding: [1, 1, 1, 1]))
    XCTAssertThrowsError(try ReferenceOps.pad(x, padding: [1, 1, 1, 1, 1, -1]))
    XCTAssertThrowsError(try ReferenceOps.slice(x, lower: [0, 0, 0, 0, 0], upper: [1, 1, 3, 2, 2]))
    XCTAssertThrowsError(try ReferenceOps.slice(x, lower: [0, 0, 1, 0, 0], upper: [1, 1, 1, 2, 2]))
  }
}
