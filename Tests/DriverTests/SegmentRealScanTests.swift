// The three real CT scans of ../shared/data through `stunetc segment` with the tiny variant on a
// coarse 6 mm grid (so the run takes a second): output shape and header geometry bit for bit equal
// to the input's, in both modes, for int16 and int32 inputs and RAS and LPS orientations. The
// full-size runs with STU-Net-S are measured in Docs/segmentation.md.
import Driver
import Foundation
import NIfTI
import XCTest

final class SegmentRealScanTests: SegmentTestCase {
  func testRealScansKeepShapeAndGeometryInBothModes() throws {
    let scans: [(String, [Int], Int)] = [
      ("ts_example_ct_sm.nii.gz", [122, 101, 30], 9),  // (k,j,i) 15x50x61 at 6 mm, padded to 32 on axis 0
      ("ts_example_ct.nii.gz", [122, 101, 112], 27),
      ("ts_pulmonary_ct_cropped.nii.gz", [122, 102, 112], 1),
    ]
    for (name, shapeIJK, tiles) in scans {
      let input = try dataFile(name)
      let original = try NIfTIReader.read(input)
      XCTAssertEqual(original.shapeIJK, shapeIJK, name)
      for mode in [[], ["--fast"]] {
        let result = try segment(input, extra: ["--spacing", "6"] + mode)
        XCTAssertEqual(result.image.shapeIJK, shapeIJK, name)
        assertGeometryBitIdentical(result.image.header, original.header)
        XCTAssertTrue(result.output.contains("= \(tiles), 1 pass(es)"), "\(name): \(result.output)")
      }
    }
  }
}
