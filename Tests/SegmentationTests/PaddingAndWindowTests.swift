// Centred padding and nnU-Net's sliding-window tile starts, including ../shared/data/README.md's grids.
import Segmentation
import TensorCore
import XCTest

final class PaddingAndWindowTests: XCTestCase {
  func testTileStartsMatchNumpy() {
    for reference in SegmentationReferences.tileStartCases {
      XCTAssertEqual(
        SlidingWindow.starts(size: reference.size, patch: reference.patch, stepFraction: reference.step), reference.starts,
        "size \(reference.size), patch \(reference.patch), step \(reference.step)")
    }
  }

  func testSharedDataTileGrids() throws {
    // ts_example_ct_sm: 60 x 202 x 244, padded to 128 on axis 0 -> 9 tiles.
    let padding = try CentredPadding(shape: [60, 202, 244], minimumShape: [128, 128, 128])
    XCTAssertEqual(padding.paddedShape, [128, 202, 244])
    XCTAssertEqual(padding.below, [34, 0, 0])
    XCTAssertEqual(padding.above, [34, 0, 0])
    let small = try SlidingWindow(shape: padding.paddedShape, patch: [128, 128, 128])
    XCTAssertEqual(small.starts, [[0], [0, 37, 74], [0, 58, 116]])
    XCTAssertEqual(small.tileCount, 9)
    XCTAssertTrue(small.usesImportanceWeighting)
    XCTAssertEqual(small.tileOrigins.prefix(4), [[0, 0, 0], [0, 0, 58], [0, 0, 116], [0, 37, 0]])

    let whole = try SlidingWindow(shape: [224, 202, 244], patch: [128, 128, 128])
    XCTAssertEqual(whole.starts, [[0, 48, 96], [0, 37, 74], [0, 58, 116]])
    XCTAssertEqual(whole.tileCount, 27)

    let pulmonary = try CentredPadding(shape: [112, 102, 122], minimumShape: [128, 128, 128])
    XCTAssertEqual(pulmonary.paddedShape, [128, 128, 128])
    let single = try SlidingWindow(shape: pulmonary.paddedShape, patch: [128, 128, 128])
    XCTAssertEqual(single.tileCount, 1)
    XCTAssertFalse(single.usesImportanceWeighting)
  }

  func testCaseC20ThreeSlicesArePaddedAndRestored() throws {
    // 64 x 64 x 3 (i, j, k) at 1.5 mm: 3 x 64 x 64 in (k, j, i), no resampling, padded to the patch.
    let shape = [3, 64, 64]
    let volume = Tensor(shape: shape, data: pseudoRandomValues(count: 3 * 64 * 64, seed: 20))
    let padding = try CentredPadding(shape: shape, minimumShape: [128, 128, 128])
    XCTAssertEqual(padding.below, [62, 32, 32])
    XCTAssertEqual(padding.above, [63, 32, 32])
    let padded = try padding.pad(volume)
    XCTAssertEqual(padded.shape, [128, 128, 128])
    XCTAssertEqual(padded.data[(62 * 128 + 32) * 128 + 32], volume.data[0])
    XCTAssertEqual(padded.data[0], 0)
    XCTAssertEqual(padded.data.filter { $0 != 0 }.count, volume.data.filter { $0 != 0 }.count)
    let restored = try padding.removePadding(padded)
    XCTAssertEqual(restored, volume)
    XCTAssertEqual(restored.shape, [3, 64, 64])
  }

  func testCaseC21OddSizeComesBackExactly() throws {
    // 61 x 47 x 33 (i, j, k) at 1.5 mm is 33 x 47 x 61 in (k, j, i).
    let shape = [33, 47, 61]
    let plan = try ResamplingPlan.toTargetSpacing(shape: shape, spacing: [1.5, 1.5, 1.5], targetSpacing: [1.5, 1.5, 1.5])
    XCTAssertTrue(plan.isIdentity)
    let padding = try CentredPadding(shape: shape, minimumShape: [128, 128, 128])
    XCTAssertEqual(padding.below, [47, 40, 33])
    XCTAssertEqual(padding.above, [48, 41, 34])
    let volume = Tensor(shape: shape, data: pseudoRandomValues(count: shape.reduce(1, *), seed: 21))
    let padded = try padding.pad(volume)
    let probabilities = Tensor(shape: [1] + padding.paddedShape, data: padded.data)
    let unpadded = try padding.removePadding(probabilities)
    XCTAssertEqual(unpadded.shape, [1, 33, 47, 61])
    XCTAssertEqual(unpadded.data, volume.data)
    XCTAssertEqual(unpadded.data[0], probabilities.data[(47 * 128 + 40) * 128 + 33])
  }

  func testLargeVolumesAreNotPadded() throws {
    let padding = try CentredPadding(shape: [224, 202, 244], minimumShape: [128, 128, 128])
    XCTAssertTrue(padding.isIdentity)
    XCTAssertThrowsError(try SlidingWindow(shape: [100, 200, 200], patch: [128, 128, 128]))
  }
}
