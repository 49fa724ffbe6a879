// The Gaussian importance map against scipy.ndimage.gaussian_filter of a delta.
import Segmentation
import TensorCore
import XCTest

final class GaussianImportanceMapTests: XCTestCase {
  func testSmallPatchesMatchScipy() throws {
    let small = try GaussianImportanceMap.make(patch: SegmentationReferences.gaussianSmallPatch)
    assertElementwiseRelative(small.data, SegmentationReferences.gaussianSmall, tolerance: 1e-6, "8x12x10 map")
    let odd = try GaussianImportanceMap.make(patch: SegmentationReferences.gaussianOddPatch)
    assertElementwiseRelative(odd.data, SegmentationReferences.gaussianOdd, tolerance: 1e-6, "5x7x3 map")
  }

  func testPatch128MatchesScipyAndTheStatedValues() throws {
    let map = try GaussianImportanceMap.make(patch: [128, 128, 128])
    let alongAxis0 = (0..<128).map { map.data[($0 * 128 + 64) * 128 + 64] }
    assertElementwiseRelative(alongAxis0, SegmentationReferences.gaussian128AlongAxis0, tolerance: 1e-6, "axis 0 profile")
    let cornerRow = Array(map.data[0..<128])
    assertElementwiseRelative(cornerRow, SegmentationReferences.gaussian128AlongAxis2AtCorner, tolerance: 1e-6, "corner row")
    // STUNET.md §7 step 7: 1 at the centre, 3.4e-4 at index 0, 4.3e-4 at 127, 3.8e-11 at the corner.
    XCTAssertEqual(map.data[(64 * 128 + 64) * 128 + 64], 1)
    XCTAssertEqual(Double(alongAxis0[0]), 3.4e-4, accuracy: 0.05e-4)
    XCTAssertEqual(Double(alongAxis0[127]), 4.3e-4, accuracy: 0.05e-4)
    XCTAssertEqual(Double(map.data[0]), 3.8e-11, accuracy: 0.05e-11)
    XCTAssertFalse(map.data.contains(0))
  }

  func testKernelIsTruncatedAtFourSigma() {
    let kernel = GaussianImportanceMap.kernel(sigma: 16)
    XCTAssertEqual(kernel.count, 129)
    XCTAssertEqual(kernel.reduce(0, +), 1, accuracy: 1e-12)
    XCTAssertEqual(GaussianImportanceMap.kernel(sigma: 1).count, 9)
  }
}
