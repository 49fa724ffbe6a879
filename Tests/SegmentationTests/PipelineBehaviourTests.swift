// SegmentationPipeline's report, progress events, hostile volumes (non-finite voxels, constant
// images, all-zero images), label renumbering, bounded aggregation memory and typed errors for
// backends that break the slab contract.
import Segmentation
import TensorCore
import XCTest

final class PipelineBehaviourTests: XCTestCase {
  let spacing = [2.0, 1.5, 1.5]

  func pipeline(_ predictor: TilePredictor, patch: [Int] = [8, 8, 8], mode: SegmentationMode = .normal, order: LabelOrder = .stunet)
    -> SegmentationPipeline
  {
    SegmentationPipeline(
      configuration: SegmentationConfiguration(patchSize: patch, mode: mode, threads: 2, labelOrder: order),
      predictor: predictor)
  }

  func testReportDescribesGeometryTilesAndStages() throws {
    let image = testVolume(shape: [10, 14, 12])
    let result = try pipeline(PositionalTilePredictor(classes: 3)).run(image: image, spacing: spacing)
    let report = result.report
    XCTAssertEqual(report.originalShape, [10, 14, 12])
    XCTAssertEqual(report.cropBox, CropBox(lower: [2, 2, 0], upper: [10, 14, 10]))
    XCTAssertEqual(report.resampling.inputShape, [8, 12, 10])
    XCTAssertEqual(report.resampling.outputShape, [11, 12, 10])  // round(8·2/1.5) = round(10.67)
    XCTAssertEqual(report.resamplingBack.outputShape, [8, 12, 10])
    XCTAssertEqual(report.paddedShape, [11, 12, 10])
    XCTAssertEqual(report.tileStarts, [[0, 3], [0, 4], [0, 2]])
    XCTAssertEqual(report.tileCount, 8)
    XCTAssertEqual(report.classes, 3)
    XCTAssertEqual(report.nonFiniteCount, 0)
    XCTAssertEqual(
      report.stages.map(\.name),
      ["crop", "resample", "normalise", "pad", "network", "softmax", "aggregate", "resample back + argmax", "paste"])
    XCTAssertTrue(report.stages.allSatisfy { $0.seconds >= 0 })
    XCTAssertGreaterThan(report.peakResidentBytes, 0)
    XCTAssertEqual(report.labelsPresent, Array(Set(result.labels.data.map { Int($0) })).sorted())
    // Outside the crop box the labels are background, as nnU-Net pastes into zeros.
    XCTAssertEqual(result.labels.data[0], 0)
    XCTAssertEqual(result.labels.dtype, .u8)
  }

  func testProgressReportsStagesAndEveryTile() throws {
    var events: [PipelineEvent] = []
    _ = try pipeline(PositionalTilePredictor(classes: 3)).run(
      image: testVolume(shape: [10, 14, 12]), spacing: spacing, progress: { events.append($0) })
    let stages = events.compactMap { event -> String? in
      if case .stageStarted(let name) = event { return name }
      return nil
    }
    XCTAssertEqual(stages, ["crop", "resample", "normalise", "pad", "predict", "paste"])
    XCTAssertTrue(events.contains(.tilesStarted(total: 8, passesPerTile: 1)))
    let tiles = events.compactMap { event -> Int? in
      if case .tileFinished(let done, let total) = event, total == 8 { return done }
      return nil
    }
    XCTAssertEqual(tiles, Array(1...8))
  }

  func testNonFiniteVoxelsAreReplacedCountedAndTheOutputIsFinite() throws {
    var image = testVolume(shape: [10, 14, 12])
    image.data[5 * 14 * 12 + 7 * 12 + 3] = .nan
    image.data[6 * 14 * 12 + 2 * 12 + 4] = .infinity
    image.data[7 * 14 * 12 + 9 * 12 + 5] = -.infinity
    let result = try pipeline(PositionalTilePredictor(classes: 3)).run(image: image, spacing: spacing)
    XCTAssertEqual(result.report.nonFiniteCount, 3)
    XCTAssertTrue(result.labels.data.allSatisfy { $0.isFinite && (0..<3).contains(Int($0)) })
    // The same image with zeros where the non-finite voxels were gives the same labels.
    var cleaned = image
    NonFiniteValues.replaceWithZero(in: &cleaned)
    let reference = try pipeline(PositionalTilePredictor(classes: 3)).run(image: cleaned, spacing: spacing)
    XCTAssertEqual(result.labels.data, reference.labels.data)
  }

  func testConstantAndAllZeroImagesGiveFiniteLabelMaps() throws {
    for value: Float in [-1000, 0] {
      let image = Tensor(shape: [5, 9, 7], data: [Float](repeating: value, count: 5 * 9 * 7))
      for mode in SegmentationMode.allCases {
        let result = try pipeline(PositionalTilePredictor(classes: 3), mode: mode).run(image: image, spacing: spacing)
        XCTAssertEqual(result.labels.shape, [5, 9, 7])
        XCTAssertEqual(result.report.cropBox, CropBox(wholeVolumeOf: [5, 9, 7]))
        XCTAssertTrue(result.labels.data.allSatisfy { $0.isFinite && (0..<3).contains(Int($0)) }, "\(value) \(mode)")
      }
    }
  }

  func testTotalSegmentatorOrderRenumbersEveryLabel() throws {
    // STU-Net label 1 is adrenal_gland_left (alphabetically first), TotalSegmentator v1 label 12.
    let image = testVolume(shape: [6, 8, 8], zeroBorder: 0)
    let stunet = try pipeline(ConstantClassPredictor(classes: 105, winner: 1)).run(image: image, spacing: spacing)
    XCTAssertTrue(stunet.labels.data.allSatisfy { $0 == 1 })
    let renumbered = try pipeline(ConstantClassPredictor(classes: 105, winner: 1), order: .totalSegmentatorV1)
      .run(image: image, spacing: spacing)
    XCTAssertEqual(LabelMaps.name(of: 12, in: .totalSegmentatorV1), "adrenal_gland_left")
    XCTAssertTrue(renumbered.labels.data.allSatisfy { $0 == 12 })
    XCTAssertEqual(renumbered.report.labelsPresent, [12])
  }

  func testTotalSegmentatorOrderNeedsTheFullClassSet() {
    XCTAssertThrowsError(
      try pipeline(ConstantClassPredictor(classes: 3, winner: 1), order: .totalSegmentatorV1)
        .run(image: testVolume(shape: [6, 8, 8]), spacing: spacing)
    ) { error in
      XCTAssertTrue("\(error)".contains("105 classes"), "\(error)")
    }
  }

  func testAggregationBandIsBoundedByThePatchNotTheVolume() throws {
    // 40 rows along axis 0 with an 8-row patch: the band holds 8 rows of (C + 1) channels.
    let image = testVolume(shape: [30, 10, 10], zeroBorder: 0)
    let classes = 6
    let result = try pipeline(PositionalTilePredictor(classes: classes)).run(image: image, spacing: [2.0, 1.5, 1.5])
    let grid = result.report.paddedShape
    XCTAssertEqual(grid[0], 40)
    let plane = grid[1] * grid[2]
    let band = ((classes + 1) * 8 * plane + classes * plane) * MemoryLayout<Float>.size
    XCTAssertEqual(result.report.aggregationBandBytes, band)
    XCTAssertLessThan(result.report.aggregationBandBytes, 2 * classes * grid[0] * plane * MemoryLayout<Float>.size / 4)
  }

  func testBackendFaultsAreTypedErrors() {
    let image = testVolume(shape: [10, 14, 12])
    for fault: MisbehavingPredictor.Fault in [.wrongClassCount, .skipsRows, .outOfOrder] {
      XCTAssertThrowsError(try pipeline(MisbehavingPredictor(fault)).run(image: image, spacing: spacing), "\(fault)") {
        error in
        XCTAssertTrue(error is SegmentationError, "\(fault): \(error)")
      }
    }
  }

  func testInvalidInputsAreRejected() {
    let predictor = PositionalTilePredictor(classes: 3)
    XCTAssertThrowsError(try pipeline(predictor).run(image: testVolume(shape: [4, 4, 4]), spacing: [1, 0, 1]))
    XCTAssertThrowsError(try pipeline(predictor).run(image: Tensor(shape: [4, 4], data: Array(repeating: 1, count: 16)), spacing: spacing))
    XCTAssertThrowsError(try pipeline(predictor, patch: [0, 8, 8]).run(image: testVolume(shape: [4, 4, 4]), spacing: spacing))
  }
}
