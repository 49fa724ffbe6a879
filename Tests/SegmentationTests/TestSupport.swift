// Shared helpers for the Segmentation tests: tolerant comparisons against the committed reference
// arrays (float32 tolerance) and small deterministic volumes.
import TensorCore
import XCTest

/// Asserts that our double-precision result, cast to float32, is the reference bit for bit except
/// for rare one-ulp rounding flips: at least 95% of the elements equal and the rest within 1.5e-7
/// of the reference's scale (one float32 ulp near the largest value).
func assertNearlyBitExact(
  _ actual: [Float], _ expected: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.count, expected.count, "\(what): element count", file: file, line: line)
  guard actual.count == expected.count, !expected.isEmpty else { return }
  let equal = zip(actual, expected).filter { $0 == $1 }.count
  XCTAssertGreaterThanOrEqual(Double(equal) / Double(expected.count), 0.95, "\(what): \(equal) of \(expected.count) equal", file: file, line: line)
  let report = TensorComparison.compare(actual, expected)
  XCTAssertLessThanOrEqual(report.maxRelativeToScale, 1.5e-7, "\(what): \(report)", file: file, line: line)
}

/// Asserts |actual - expected| <= tolerance * max|expected| over all elements.
func assertClose(
  _ actual: [Float], _ expected: [Float], relativeToScale tolerance: Double, _ what: String,
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.count, expected.count, "\(what): element count", file: file, line: line)
  guard actual.count == expected.count else { return }
  let report = TensorComparison.compare(actual, expected)
  XCTAssertLessThanOrEqual(report.maxRelativeToScale, tolerance, "\(what): \(report)", file: file, line: line)
}

/// Asserts |actual - expected| <= tolerance * |expected| elementwise (for values spanning decades).
func assertElementwiseRelative(
  _ actual: [Float], _ expected: [Float], tolerance: Double, _ what: String,
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.count, expected.count, "\(what): element count", file: file, line: line)
  for (index, (a, e)) in zip(actual, expected).enumerated() {
    let error = abs(Double(a) - Double(e))
    if error > tolerance * abs(Double(e)) {
      XCTFail("\(what): element \(index) is \(a), expected \(e)", file: file, line: line)
      return
    }
  }
}

/// Labels as Int for exact comparison.
func labelInts(_ tensor: Tensor) -> [Int] { tensor.data.map { Int($0) } }

/// A deterministic pseudo-random volume in [-1, 1) scaled by `scale` (a linear congruential sequence).
func pseudoRandomValues(count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
  var state = seed &* 6364136223846793005 &+ 1442695040888963407
  return (0..<count).map { _ in
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
  }
}
