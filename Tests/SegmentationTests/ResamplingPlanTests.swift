// Resampled shapes and the separate-axis rule, against numpy's values and the shapes stated in
// ../shared/data/README.md and ../shared/cases/CASES.md.
import Segmentation
import XCTest

final class ResamplingPlanTests: XCTestCase {
  let target = [1.5, 1.5, 1.5]

  func testShapesAndSeparateAxesMatchNumpy() throws {
    for reference in SegmentationReferences.shapeCases {
      let plan = try ResamplingPlan.toTargetSpacing(shape: reference.shape, spacing: reference.spacing, targetSpacing: target)
      XCTAssertEqual(plan.outputShape, reference.resampled, "\(reference.shape) at \(reference.spacing)")
      XCTAssertEqual(plan.separateAxis ?? -1, reference.separateAxis, "\(reference.shape) at \(reference.spacing)")
    }
  }

  func testClassicCTResamplesTo333x333x365() throws {
    // 512 x 512 x 219 (i, j, k) at 0.976 x 0.976 x 2.5 mm is 219 x 512 x 512 in (k, j, i).
    let plan = try ResamplingPlan.toTargetSpacing(shape: [219, 512, 512], spacing: [2.5, 0.976, 0.976], targetSpacing: target)
    XCTAssertEqual(plan.outputShape, [365, 333, 333])
    XCTAssertNil(plan.separateAxis, "anisotropy 2.56 is below the threshold 3")
  }

  func testSharedDataShapes() throws {
    let expected: [([Int], [Double], [Int])] = [
      ([30, 101, 122], [3, 3, 3], [60, 202, 244]),
      ([112, 101, 122], [3, 3, 3], [224, 202, 244]),
      ([112, 102, 122], [1.5, 1.5, 1.5], [112, 102, 122]),
    ]
    for (shape, spacing, resampled) in expected {
      let plan = try ResamplingPlan.toTargetSpacing(shape: shape, spacing: spacing, targetSpacing: target)
      XCTAssertEqual(plan.outputShape, resampled)
    }
  }

  func testCaseC19AnisotropicGridAndCoarseAxis() throws {
    // (i, j, k) = 64 x 64 x 8 at 0.7 x 0.7 x 5 mm; CASES.md: [30, 30, 27] in (i, j, k).
    let plan = try ResamplingPlan.toTargetSpacing(shape: [8, 64, 64], spacing: [5, 0.7, 0.7], targetSpacing: target)
    XCTAssertEqual(Array(plan.outputShape.reversed()), [30, 30, 27])
    XCTAssertEqual(plan.separateAxis, 0)
    XCTAssertEqual(plan.order(alongAxis: 0, inPlane: .cubic), .nearest)
    XCTAssertEqual(plan.order(alongAxis: 1, inPlane: .cubic), .cubic)
    let back = try ResamplingPlan.backToOriginal(
      resampledShape: plan.outputShape, originalShape: [8, 64, 64], originalSpacing: [5, 0.7, 0.7], targetSpacing: target)
    XCTAssertEqual(back.separateAxis, 0)
    XCTAssertEqual(back.outputShape, [8, 64, 64])
  }

  func testRuleChecksTheTargetSpacingOnlyWhenTheOriginalIsIsotropicEnough() {
    XCTAssertEqual(ResamplingPlan.separateAxis(originalSpacing: [1, 1, 1], targetSpacing: [1, 1, 3.5]), 2)
    XCTAssertNil(ResamplingPlan.separateAxis(originalSpacing: [1, 1, 1], targetSpacing: [1, 1, 3]))
    // Two coarse axes in the original spacing: no separate axis, and the target is not consulted.
    XCTAssertNil(ResamplingPlan.separateAxis(originalSpacing: [4, 4, 1], targetSpacing: [1, 1, 5]))
  }

  func testInvalidSpacingAndEmptyGridsThrow() {
    XCTAssertThrowsError(try ResamplingPlan.toTargetSpacing(shape: [4, 4, 4], spacing: [0, 1, 1], targetSpacing: target))
    XCTAssertThrowsError(try ResamplingPlan.toTargetSpacing(shape: [4, 4, 4], spacing: [.nan, 1, 1], targetSpacing: target))
    XCTAssertThrowsError(try ResamplingPlan.toTargetSpacing(shape: [1, 4, 4], spacing: [0.5, 1, 1], targetSpacing: target))
  }
}
