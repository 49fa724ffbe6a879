// Image, probability and label resampling against scipy / scikit-image (expected arrays from
// scripts/reference/seg_references.py): cubic B-spline images with clipping, the separate-axis
// rule with order 0, linear probabilities back (whole and streamed row by row), and nnU-Net's
// resize_segmentation.
import Segmentation
import TensorCore
import XCTest

private struct ResamplingCase {
  let name: String
  let input: [Float]
  let shape: [Int]
  let spacing: [Double]
  let target: [Double]
  let outputShape: [Int]
  let separateAxis: [Int]
  let output: [Float]
  let probabilities: [Float]
  let probabilitiesBack: [Float]
  let argmaxBack: [Int]
  let labels: [Int]
  let labelsBack: [Int]
}

private typealias R = SegmentationReferences

private let cases: [ResamplingCase] = [
  ResamplingCase(
    name: "isotropic", input: R.cubicIsotropicInput, shape: R.cubicIsotropicShape, spacing: R.cubicIsotropicSpacing,
    target: R.cubicIsotropicTarget, outputShape: R.cubicIsotropicOutputShape, separateAxis: R.cubicIsotropicSeparateAxis,
    output: R.cubicIsotropicOutput, probabilities: R.cubicIsotropicProbabilities,
    probabilitiesBack: R.cubicIsotropicProbabilitiesBack, argmaxBack: R.cubicIsotropicArgmaxBack,
    labels: R.cubicIsotropicLabels, labelsBack: R.cubicIsotropicLabelsBack),
  ResamplingCase(
    name: "separate axis 0", input: R.cubicSeparateAxis0Input, shape: R.cubicSeparateAxis0Shape,
    spacing: R.cubicSeparateAxis0Spacing, target: R.cubicSeparateAxis0Target,
    outputShape: R.cubicSeparateAxis0OutputShape, separateAxis: R.cubicSeparateAxis0SeparateAxis,
    output: R.cubicSeparateAxis0Output, probabilities: R.cubicSeparateAxis0Probabilities,
    probabilitiesBack: R.cubicSeparateAxis0ProbabilitiesBack, argmaxBack: R.cubicSeparateAxis0ArgmaxBack,
    labels: R.cubicSeparateAxis0Labels, labelsBack: R.cubicSeparateAxis0LabelsBack),
  ResamplingCase(
    name: "separate axis 1", input: R.cubicSeparateAxis1Input, shape: R.cubicSeparateAxis1Shape,
    spacing: R.cubicSeparateAxis1Spacing, target: R.cubicSeparateAxis1Target,
    outputShape: R.cubicSeparateAxis1OutputShape, separateAxis: R.cubicSeparateAxis1SeparateAxis,
    output: R.cubicSeparateAxis1Output, probabilities: R.cubicSeparateAxis1Probabilities,
    probabilitiesBack: R.cubicSeparateAxis1ProbabilitiesBack, argmaxBack: R.cubicSeparateAxis1ArgmaxBack,
    labels: R.cubicSeparateAxis1Labels, labelsBack: R.cubicSeparateAxis1LabelsBack),
  ResamplingCase(
    name: "anisotropic target", input: R.cubicTargetAnisotropicInput, shape: R.cubicTargetAnisotropicShape,
    spacing: R.cubicTargetAnisotropicSpacing, target: R.cubicTargetAnisotropicTarget,
    outputShape: R.cubicTargetAnisotropicOutputShape, separateAxis: R.cubicTargetAnisotropicSeparateAxis,
    output: R.cubicTargetAnisotropicOutput, probabilities: R.cubicTargetAnisotropicProbabilities,
    probabilitiesBack: R.cubicTargetAnisotropicProbabilitiesBack, argmaxBack: R.cubicTargetAnisotropicArgmaxBack,
    labels: R.cubicTargetAnisotropicLabels, labelsBack: R.cubicTargetAnisotropicLabelsBack),
]

final class ResamplingTests: XCTestCase {
  private func plans(_ c: ResamplingCase) throws -> (forward: ResamplingPlan, back: ResamplingPlan) {
    let forward = try ResamplingPlan.toTargetSpacing(shape: c.shape, spacing: c.spacing, targetSpacing: c.target)
    let back = try ResamplingPlan.backToOriginal(
      resampledShape: forward.outputShape, originalShape: c.shape, originalSpacing: c.spacing, targetSpacing: c.target)
    return (forward, back)
  }

  func testPlansMatchTheReference() throws {
    for c in cases {
      let (forward, back) = try plans(c)
      XCTAssertEqual(forward.outputShape, c.outputShape, c.name)
      XCTAssertEqual(forward.separateAxis.map { [$0] } ?? [], c.separateAxis, c.name)
      XCTAssertEqual(back.separateAxis, forward.separateAxis, c.name)
    }
  }

  func testCubicImageResamplingMatchesSkimage() throws {
    for c in cases {
      let (forward, _) = try plans(c)
      for threads in [1, 3] {
        let result = try Resampling.resampleImage(Tensor(shape: c.shape, data: c.input), plan: forward, threads: threads)
        XCTAssertEqual(result.shape, c.outputShape, c.name)
        assertNearlyBitExact(result.data, c.output, "\(c.name), \(threads) threads")
      }
    }
  }

  func testCubicResamplingIsClippedToTheInputRange() throws {
    // A step edge overshoots with a cubic spline; skimage clips to the input's min and max.
    var values = [Float](repeating: 0, count: 4 * 4 * 8)
    for index in values.indices where index % 8 >= 4 { values[index] = 100 }
    let plan = try ResamplingPlan(inputShape: [4, 4, 8], outputShape: [4, 4, 21], separateAxis: nil)
    let result = try Resampling.resampleImage(Tensor(shape: [4, 4, 8], data: values), plan: plan)
    XCTAssertEqual(result.data.min(), 0)
    XCTAssertEqual(result.data.max(), 100)
    XCTAssertTrue(result.data.contains { $0 > 0 && $0 < 100 })
  }

  func testCoarseAxisUsesNearestNeighbour() throws {
    // Slices holding constants stay constants along the coarse axis: order 0 copies whole slices.
    let shape = [4, 9, 10]
    let data = (0..<shape.reduce(1, *)).map { Float($0 / 90 * 10 + 5) }
    let plan = try ResamplingPlan.toTargetSpacing(shape: shape, spacing: [5, 0.7, 0.8], targetSpacing: [1.5, 1.5, 1.5])
    XCTAssertEqual(plan.separateAxis, 0)
    let result = try Resampling.resampleImage(Tensor(shape: shape, data: data), plan: plan)
    let plane = plan.outputShape[1] * plan.outputShape[2]
    let sliceValues = (0..<plan.outputShape[0]).map { Set(result.data[($0 * plane)..<(($0 + 1) * plane)]) }
    // Output slice k reads source slice floor(c + 0.5), c = 4/13 (k + 0.5) - 0.5 clamped to [0, 3].
    for (k, values) in sliceValues.enumerated() {
      let coordinate = min(max(4.0 / 13.0 * (Double(k) + 0.5) - 0.5, 0), 3)
      let source = Int((coordinate + 0.5).rounded(.down))
      XCTAssertEqual(values, [Float(source * 10 + 5)], "output slice \(k)")
    }
  }

  func testProbabilitiesBackMatchSkimageLinear() throws {
    for c in cases {
      let (_, back) = try plans(c)
      let probabilities = Tensor(shape: [3] + c.outputShape, data: c.probabilities)
      let result = try Resampling.resampleProbabilities(probabilities, plan: back)
      XCTAssertEqual(result.shape, [3] + c.shape, c.name)
      assertNearlyBitExact(result.data, c.probabilitiesBack, c.name)
      XCTAssertEqual(labelInts(try ChannelArgmax.labels(of: result)), c.argmaxBack, c.name)
    }
  }

  func testStreamedResampledArgmaxEqualsTheWholeVolumeResult() throws {
    for c in cases {
      let (_, back) = try plans(c)
      let collector = try ResampledArgmaxCollector(channels: 3, plan: back, threads: 2)
      let rows = c.outputShape[0]
      let plane = c.outputShape[1] * c.outputShape[2]
      let volume = rows * plane
      for row in 0..<rows {
        var block = [Float](repeating: 0, count: 3 * plane)
        for channel in 0..<3 {
          for index in 0..<plane { block[channel * plane + index] = c.probabilities[channel * volume + row * plane + index] }
        }
        try block.withUnsafeBufferPointer { try collector.consume(row: row, probabilities: $0) }
      }
      XCTAssertEqual(labelInts(try collector.labels()), c.argmaxBack, c.name)
    }
  }

  func testLabelResizingMatchesResizeSegmentation() throws {
    for c in cases {
      let (_, back) = try plans(c)
      let labels = Tensor(shape: c.outputShape, data: c.labels.map(Float.init))
      let result = try LabelResampling.resize(labels, plan: back)
      XCTAssertEqual(result.shape, c.shape, c.name)
      XCTAssertEqual(labelInts(result), c.labelsBack, c.name)
    }
  }

  func testLabelHalvingBreaksExactTiesTowardsTheHigherLabel() throws {
    let plan = try ResamplingPlan(inputShape: [8, 6, 4], outputShape: [4, 3, 2], separateAxis: nil)
    let labels = Tensor(shape: [8, 6, 4], data: R.halvingLabels.map(Float.init))
    XCTAssertEqual(labelInts(try LabelResampling.resize(labels, plan: plan)), R.halvingLabelsBack)
  }

  func testIdentityPlanReturnsTheInput() throws {
    let tensor = Tensor(shape: [2, 3, 4], data: pseudoRandomValues(count: 24, seed: 3))
    let plan = try ResamplingPlan(inputShape: [2, 3, 4], outputShape: [2, 3, 4], separateAxis: nil)
    XCTAssertEqual(try Resampling.resampleImage(tensor, plan: plan), tensor)
    XCTAssertThrowsError(try Resampling.resampleImage(Tensor(zeros: [2, 3, 5]), plan: plan))
  }
}
