// The memory check that runs before resampling: the estimate counts the padded volume copies and
// the aggregation band exactly as documented, saturates instead of overflowing, and the pipeline
// refuses a grid that does not fit with an error naming the spacing and the sizes.
import Segmentation
import TensorCore
import XCTest

final class MemoryBudgetTests: XCTestCase {
  func testEstimateCountsVolumeCopiesAndTheBand() {
    // ts_example_ct at 1.5 mm: 224x202x244, 105 classes, 128^3 patch.
    let estimate = MemoryBudget.estimate(paddedShape: [224, 202, 244], patch: [128, 128, 128], classes: 105)
    XCTAssertEqual(estimate, 224 * 202 * 244 * 4 * 3 + 106 * 128 * 202 * 244 * 4)
    XCTAssertEqual(MemoryBudget.estimate(paddedShape: [1 << 40, 1 << 40, 1 << 40], patch: [128, 128, 128], classes: 105), Int.max)
    XCTAssertNotNil(MemoryBudget.physicalBytes)
  }

  func testAFineSpacingIsRefusedBeforeAnythingLargeIsAllocated() throws {
    var configuration = SegmentationConfiguration(targetSpacing: [0.001, 0.001, 0.001], patchSize: [16, 16, 16], threads: 1)
    configuration.memoryLimitBytes = 1 << 30
    let predictor = ConstantPredictor(classes: 3)
    let pipeline = SegmentationPipeline(configuration: configuration, predictor: predictor)
    let image = Tensor(shape: [10, 12, 14], data: [Float](repeating: 100, count: 10 * 12 * 14))
    XCTAssertThrowsError(try pipeline.run(image: image, spacing: [3, 3, 3])) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("--spacing") && text.contains("[30000, 36000, 42000]") && text.contains("1.0 GiB"), text)
    }
    XCTAssertEqual(predictor.calls, 0, "nothing was predicted")
  }
}

/// A predictor that counts its calls and returns uniform logits.
private final class ConstantPredictor: TilePredictor {
  let classes: Int
  var calls = 0
  init(classes: Int) { self.classes = classes }
  func predict(_ tile: Tensor) throws -> Tensor {
    calls += 1
    return Tensor(zeros: [1, classes] + Array(tile.shape.suffix(3)))
  }
}
