// The pipeline-step side of ../shared/cases/CASES.md rows C17 and C19, on synthetic volumes with
// the cases' shapes and spacings (the NIfTI files themselves are read by the NIfTI module's tests).
import Segmentation
import TensorCore
import XCTest

final class CaseTests: XCTestCase {
  func testCaseC17ConstantVolumeStaysFinite() throws {
    // 48 x 48 x 24 (i, j, k) of -1024 HU at 0.9765625 x 0.9765625 x 2.5 mm.
    let shape = [24, 48, 48]
    let spacing = [2.5, 0.9765625, 0.9765625]
    var volume = Tensor(shape: shape, data: [Float](repeating: -1024, count: shape.reduce(1, *)))
    let box = try CropBox.nonzeroBox(of: volume)
    XCTAssertEqual(box, CropBox(wholeVolumeOf: shape))
    volume = try box.crop(volume)
    XCTAssertEqual(NonFiniteValues.replaceWithZero(in: &volume), 0)
    let plan = try ResamplingPlan.toTargetSpacing(shape: shape, spacing: spacing, targetSpacing: [1.5, 1.5, 1.5])
    XCTAssertEqual(plan.outputShape, [40, 31, 31])
    var resampled = try Resampling.resampleImage(volume, plan: plan)
    XCTAssertTrue(resampled.data.allSatisfy { $0 == -1024 })
    try IntensityNormalization.zScore.apply(to: &resampled)
    XCTAssertTrue(resampled.data.allSatisfy { $0 == 0 })
    let padded = try CentredPadding(shape: plan.outputShape, minimumShape: [128, 128, 128]).pad(resampled)
    XCTAssertEqual(NonFiniteValues.count(in: padded), 0)
  }

  func testAirOnlyVolumeOfZerosCropsToTheWholeVolume() throws {
    let volume = Tensor(zeros: [24, 48, 48])
    let box = try CropBox.nonzeroBox(of: volume)
    XCTAssertEqual(try box.crop(volume).shape, [24, 48, 48])
  }

  func testCaseC19CoarseAxisTakesWholeInPlaneResampledSlices() throws {
    // 64 x 64 x 8 (i, j, k) at 0.7 x 0.7 x 5 mm -> (k, j, i) [8, 64, 64] -> [27, 30, 30].
    let shape = [8, 64, 64]
    let volume = Tensor(shape: shape, data: pseudoRandomValues(count: shape.reduce(1, *), seed: 19, scale: 800))
    let plan = try ResamplingPlan.toTargetSpacing(shape: shape, spacing: [5, 0.7, 0.7], targetSpacing: [1.5, 1.5, 1.5])
    XCTAssertEqual(plan.outputShape, [27, 30, 30])
    XCTAssertEqual(plan.separateAxis, 0)
    let resampled = try Resampling.resampleImage(volume, plan: plan)
    // Each output slice is exactly one source slice resampled on its own (order 0 across slices).
    let slicePlan = try ResamplingPlan(inputShape: [1, 64, 64], outputShape: [1, 30, 30], separateAxis: nil)
    let slices = try (0..<8).map { s in
      try Resampling.resampleImage(
        Tensor(shape: [1, 64, 64], data: Array(volume.data[(s * 4096)..<((s + 1) * 4096)])), plan: slicePlan
      ).data
    }
    for k in 0..<27 {
      let source = Int((min(max(8.0 / 27.0 * (Double(k) + 0.5) - 0.5, 0), 7) + 0.5).rounded(.down))
      XCTAssertEqual(Array(resampled.data[(k * 900)..<((k + 1) * 900)]), slices[source], "output slice \(k)")
    }
    // And back: probabilities on [27, 30, 30] return to (k, j, i) [8, 64, 64].
    let back = try ResamplingPlan.backToOriginal(
      resampledShape: plan.outputShape, originalShape: shape, originalSpacing: [5, 0.7, 0.7], targetSpacing: [1.5, 1.5, 1.5])
    let collector = try ResampledArgmaxCollector(channels: 2, plan: back)
    var row = [Float](repeating: 0, count: 2 * 900)
    for k in 0..<27 {
      for index in 0..<900 {
        row[index] = k % 2 == 0 ? 0.8 : 0.3
        row[900 + index] = 1 - row[index]
      }
      try row.withUnsafeBufferPointer { try collector.consume(row: k, probabilities: $0) }
    }
    let labels = try collector.labels()
    XCTAssertEqual(labels.shape, [8, 64, 64])
    // Order 0 along the coarse axis: slice s takes row floor(c + 0.5) of the 27, label 1 on odd rows.
    for s in 0..<8 {
      let source = Int((min(max(27.0 / 8.0 * (Double(s) + 0.5) - 0.5, 0), 26) + 0.5).rounded(.down))
      XCTAssertEqual(Set(labels.data[(s * 4096)..<((s + 1) * 4096)]), [Float(source % 2)], "slice \(s)")
    }
  }
}
