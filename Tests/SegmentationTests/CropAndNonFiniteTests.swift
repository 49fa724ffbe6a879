// Non-finite replacement and the nonzero crop box with its paste-back.
import Segmentation
import TensorCore
import XCTest

final class CropAndNonFiniteTests: XCTestCase {
  func testNonFiniteValuesAreReplacedAndCounted() {
    var tensor = Tensor(shape: [2, 2, 2], data: [1, .nan, -.infinity, 4, .infinity, 0, -2, .nan])
    XCTAssertEqual(NonFiniteValues.count(in: tensor), 4)
    XCTAssertEqual(NonFiniteValues.replaceWithZero(in: &tensor), 4)
    XCTAssertEqual(tensor.data, [1, 0, 0, 4, 0, 0, -2, 0])
    XCTAssertEqual(NonFiniteValues.replaceWithZero(in: &tensor), 0)
  }

  func testBoxIsTheExtentOfNonzeroVoxels() throws {
    var volume = Tensor(zeros: [5, 6, 7])
    volume.data[(1 * 6 + 2) * 7 + 3] = 5
    volume.data[(3 * 6 + 4) * 7 + 1] = -1
    volume.data[(2 * 6 + 3) * 7 + 6] = .nan  // NaN counts as nonzero, as `data != 0` does in numpy
    let box = try CropBox.nonzeroBox(of: volume)
    XCTAssertEqual(box.lower, [1, 2, 1])
    XCTAssertEqual(box.upper, [4, 5, 7])
    XCTAssertEqual(box.shape, [3, 3, 6])
  }

  func testAllZeroVolumeKeepsTheWholeVolume() throws {
    let box = try CropBox.nonzeroBox(of: Tensor(zeros: [3, 4, 5]))
    XCTAssertEqual(box, CropBox(lower: [0, 0, 0], upper: [3, 4, 5]))
  }

  func testCropThenPasteRestoresTheVolumeInsideTheBox() throws {
    let shape = [6, 5, 7]
    var volume = Tensor(zeros: shape)
    for k in 1..<5 {
      for j in 2..<4 {
        for i in 1..<6 { volume.data[(k * 5 + j) * 7 + i] = Float(k * 100 + j * 10 + i) }
      }
    }
    let box = try CropBox.nonzeroBox(of: volume)
    let cropped = try box.crop(volume)
    XCTAssertEqual(cropped.shape, [4, 2, 5])
    XCTAssertEqual(cropped.data.first, 121)
    XCTAssertEqual(cropped.data.last, 435)
    let pasted = try box.paste(cropped, intoZerosOf: shape)
    XCTAssertEqual(pasted, volume)
  }

  func testPasteRejectsAShapeThatIsNotTheBox() throws {
    let box = CropBox(lower: [0, 0, 0], upper: [2, 2, 2])
    XCTAssertThrowsError(try box.paste(Tensor(zeros: [2, 2, 3]), intoZerosOf: [4, 4, 4]))
    XCTAssertThrowsError(try box.crop(Tensor(zeros: [1, 4, 4])))
  }
}
