// Smoke tests on the real CT scans in ../shared/data (shapes, spacings and stored types as in
// its README; a few values computed independently with numpy from the raw stored arrays).
import Foundation
import NIfTI
import TensorCore
import XCTest

final class RealScanTests: XCTestCase {
  func testExampleCTStoredAsInt32() throws {
    let image = try NIfTIReader.read(SharedFiles.dataFile("ts_example_ct.nii.gz"))
    XCTAssertEqual(image.header.datatype, .int32)
    XCTAssertEqual(image.shapeIJK, [122, 101, 112])
    XCTAssertEqual(image.voxelsKJI.shape, [112, 101, 122])
    XCTAssertEqual(image.spacingKJI, [3, 3, 3])
    XCTAssertEqual(image.header.qformCode, 0)
    XCTAssertEqual(image.header.sformCode, 2)
    XCTAssertEqual(image.geometrySource, .sform)
    XCTAssertEqual(image.header.voxOffset, 352)
    let data = image.voxelsKJI.data
    XCTAssertEqual(data.min(), -1207)
    XCTAssertEqual(data.max(), 3382)
    XCTAssertEqual(data.map(Double.init).reduce(0, +), -496_851_173)
    XCTAssertEqual(data[(56 * 101 + 50) * 122 + 61], 164, "centre voxel (k,j,i) = (56,50,61)")
    assertAffinesEqual(image.affine, [[3, 0, 0, -177.95632934570312], [0, 3, 0, 11.319000244140625], [0, 0, 3, 94.3017578125], [0, 0, 0, 1]], tolerance: 0)
  }

  func testSmallExampleIsSlicesOfTheFullOne() throws {
    let small = try NIfTIReader.read(SharedFiles.dataFile("ts_example_ct_sm.nii.gz"))
    XCTAssertEqual(small.header.datatype, .int16)
    XCTAssertEqual(small.shapeIJK, [122, 101, 30])
    XCTAssertEqual(small.spacingKJI, [3, 3, 3])
    let full = try NIfTIReader.read(SharedFiles.dataFile("ts_example_ct.nii.gz"))
    let slab = 101 * 122
    XCTAssertEqual(small.voxelsKJI.data, Array(full.voxelsKJI.data[(82 * slab)..<(112 * slab)]), "k = 82...111")
  }

  func testPulmonaryCropIsLPSAt1p5() throws {
    let image = try NIfTIReader.read(SharedFiles.dataFile("ts_pulmonary_ct_cropped.nii.gz"))
    XCTAssertEqual(image.header.datatype, .int16)
    XCTAssertEqual(image.shapeIJK, [122, 102, 112])
    XCTAssertEqual(image.spacingKJI, [1.5, 1.5, 1.5])
    XCTAssertLessThan(image.affine[0][0], 0, "LPS: i runs towards -x")
    XCTAssertLessThan(image.affine[1][1], 0, "LPS: j runs towards -y")
    XCTAssertEqual(image.voxelsKJI.data.map(Double.init).reduce(0, +), -287_875_370)
  }

  func testReferenceSegmentationStoredAsFloat64() throws {
    let image = try NIfTIReader.read(SharedFiles.dataFile("ts_v1.5.7_example_seg_of_example_ct.nii.gz"))
    XCTAssertEqual(image.header.datatype, .float64)
    XCTAssertEqual(image.shapeIJK, [122, 101, 112])
    XCTAssertEqual(image.spacingKJI, [3, 3, 3])
    let labels = Set(image.voxelsKJI.data)
    XCTAssertEqual(labels.count, 60, "background + 59 organs")
    XCTAssertEqual(labels.min(), 0)
    XCTAssertEqual(labels.max(), 104)
    XCTAssertTrue(labels.allSatisfy { $0 == $0.rounded() })
  }
}
