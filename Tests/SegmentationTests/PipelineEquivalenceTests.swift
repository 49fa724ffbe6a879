// The streamed, bounded-memory SegmentationPipeline gives the same labels as the pipeline
// recomposed from the step functions on whole volumes (whole-volume aggregator, whole probability
// map resampled back, argmax): normal and fast mode, one tile and many, anisotropic spacing with
// the separate-axis rule, cropping, padding, and test-time mirroring.
import Segmentation
import TensorCore
import XCTest

final class PipelineEquivalenceTests: XCTestCase {
  func run(
    shape: [Int], spacing: [Double], patch: [Int], mode: SegmentationMode, tta: Bool = false, classes: Int = 4,
    slabRows: Int = 3, file: StaticString = #filePath, line: UInt = #line
  ) throws -> (PipelineReport, Int) {
    let image = testVolume(shape: shape)
    let settings = SegmentationConfiguration(
      patchSize: patch, mode: mode, testTimeAugmentation: tta, threads: 2, slabRows: slabRows)
    let predictor = PositionalTilePredictor(classes: classes)
    let result = try SegmentationPipeline(configuration: settings, predictor: predictor).run(image: image, spacing: spacing)
    let expected = try ReferencePipeline.labels(
      image: image, spacing: spacing, settings: settings, predictor: PositionalTilePredictor(classes: classes))
    XCTAssertEqual(result.labels.shape, shape, file: file, line: line)
    let differing = zip(result.labels.data, expected.data).filter { $0 != $1 }.count
    XCTAssertEqual(predictor.calls, result.report.tileCount * (tta ? 8 : 1), "network passes", file: file, line: line)
    // The labels must not be trivial, or the comparison would prove nothing.
    XCTAssertGreaterThanOrEqual(Set(expected.data).count, 3, "reference uses several labels", file: file, line: line)
    return (result.report, differing)
  }

  func testNormalModeManyTilesMatchesWholeVolumeReferenceExactly() throws {
    let (report, differing) = try run(shape: [20, 30, 26], spacing: [2.0, 1.2, 1.0], patch: [8, 12, 12], mode: .normal)
    XCTAssertGreaterThan(report.tileCount, 8)
    XCTAssertTrue(report.usesImportanceMap)
    XCTAssertEqual(differing, 0)
  }

  func testFastModeManyTilesMatchesWholeVolumeReferenceExactly() throws {
    let (report, differing) = try run(shape: [20, 30, 26], spacing: [2.0, 1.2, 1.0], patch: [8, 12, 12], mode: .fast)
    XCTAssertGreaterThan(report.tileCount, 8)
    XCTAssertEqual(differing, 0)
  }

  func testSingleTilePaddedNoGaussianMatchesReference() throws {
    for mode in SegmentationMode.allCases {
      let (report, differing) = try run(shape: [6, 20, 18], spacing: [3.0, 1.5, 1.5], patch: [16, 24, 24], mode: mode)
      XCTAssertEqual(report.tileCount, 1)
      XCTAssertFalse(report.usesImportanceMap)
      XCTAssertEqual(report.paddedShape, [16, 24, 24])
      XCTAssertEqual(differing, 0, "\(mode)")
    }
  }

  func testAnisotropicSeparateAxisMatchesReference() throws {
    // 5 mm slices with 0.8 mm in-plane voxels: ratio 6.25 > 3, axis 0 is resampled with order 0.
    for mode in SegmentationMode.allCases {
      let (report, differing) = try run(shape: [6, 24, 20], spacing: [5.0, 0.8, 0.8], patch: [8, 8, 8], mode: mode)
      XCTAssertEqual(report.resampling.separateAxis, 0)
      XCTAssertEqual(report.cropBox.shape, [4, 22, 18])
      XCTAssertEqual(report.resampling.outputShape, [13, 12, 10])  // round(4·5/1.5), round(22·0.8/1.5), round(18·0.8/1.5)
      XCTAssertEqual(differing, 0, "\(mode)")
    }
  }

  func testMirroredPassesMatchReferenceUpToSummationOrder() throws {
    // The pipeline adds the eight passes straight into the band (scale 1/8 each) instead of first
    // averaging them per tile: the same sums in another order, so only near-ties may differ.
    let (report, differing) = try run(
      shape: [14, 22, 20], spacing: [2.0, 1.2, 1.0], patch: [8, 12, 12], mode: .normal, tta: true)
    XCTAssertEqual(report.passesPerTile, 8)
    XCTAssertEqual(differing, 0)
  }

  func testSlabSizeDoesNotChangeTheResult() throws {
    let image = testVolume(shape: [12, 20, 18])
    var outputs: [[Float]] = []
    for rows in [1, 5, 64] {
      let settings = SegmentationConfiguration(patchSize: [8, 8, 8], threads: 2, slabRows: rows)
      let result = try SegmentationPipeline(configuration: settings, predictor: PositionalTilePredictor(classes: 5))
        .run(image: image, spacing: [1.5, 1.5, 1.5])
      outputs.append(result.labels.data)
    }
    XCTAssertEqual(outputs[0], outputs[1])
    XCTAssertEqual(outputs[0], outputs[2])
  }
}
