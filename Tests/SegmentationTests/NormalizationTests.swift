// Z-score ('nonCT') and the 'CT' scheme against numpy.
import Segmentation
import TensorCore
import XCTest

final class NormalizationTests: XCTestCase {
  func testZScoreMatchesNumpy() throws {
    var volume = Tensor(shape: [4, 5, 6], data: SegmentationReferences.zScoreInput)
    try IntensityNormalization.zScore.apply(to: &volume)
    // The reference uses numpy's float32 statistics; ours are accumulated in float64.
    assertClose(volume.data, SegmentationReferences.zScoreOutput, relativeToScale: 2e-6, "z-score")
    let (mean, deviation) = IntensityNormalization.meanAndStandardDeviation(of: volume.data)
    XCTAssertEqual(mean, 0, accuracy: 1e-6)
    XCTAssertEqual(deviation, 1, accuracy: 1e-6)
  }

  func testConstantVolumeGivesZerosNotNaN() throws {
    var volume = Tensor(shape: [3, 4, 5], data: [Float](repeating: -1024, count: 60))
    try IntensityNormalization.zScore.apply(to: &volume)
    XCTAssertEqual(volume.data, [Float](repeating: 0, count: 60))
  }

  func testCTSchemeClipsAndUsesDatasetStatistics() throws {
    var volume = Tensor(shape: [4, 5, 6], data: SegmentationReferences.zScoreInput)
    let properties = CTIntensityProperties(mean: 950.5, standardDeviation: 180.25, percentile00_5: 600, percentile99_5: 1300)
    try IntensityNormalization.ct(properties).apply(to: &volume)
    assertClose(volume.data, SegmentationReferences.ctOutput, relativeToScale: 1e-7, "CT scheme")
    var other = Tensor(zeros: [1, 1, 1])
    let bad = CTIntensityProperties(mean: 0, standardDeviation: 0, percentile00_5: 0, percentile99_5: 1)
    XCTAssertThrowsError(try IntensityNormalization.ct(bad).apply(to: &other))
  }
}
