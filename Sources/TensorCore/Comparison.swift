// Numerical comparison used by every test and by `stunetc run --compare`: the project's
// tolerance policy (Docs/tolerance.md) is expressed through these measures.

public struct ComparisonReport: CustomStringConvertible, Sendable {
  /// Largest |a - b|.
  public var maxAbsError: Double
  /// max|a - b| / max(max|b|, tiny): error relative to the reference's scale.
  public var maxRelativeToScale: Double
  /// Index of the largest difference.
  public var worstIndex: Int
  public var count: Int
  /// max|b|, the reference's scale.
  public var scale: Double = 0

  public var description: String {
    "max abs error \(maxAbsError), relative error \(maxRelativeToScale) (of the reference's scale max|ref| = \(scale); "
      + "worst at flat index \(worstIndex) of \(count))"
  }
}

public enum TensorComparison {
  /// Compares `actual` against `reference`; both must have the same number of elements.
  public static func compare(_ actual: [Float], _ reference: [Float]) -> ComparisonReport {
    precondition(actual.count == reference.count, "compare: element counts differ")
    var maxAbs = 0.0
    var worst = 0
    var scale = 0.0
    for index in 0..<actual.count {
      let ref = Double(reference[index])
      scale = max(scale, abs(ref))
      let diff = abs(Double(actual[index]) - ref)
      if diff > maxAbs || diff.isNaN {
        maxAbs = diff.isNaN ? .infinity : diff
        worst = index
      }
    }
    return ComparisonReport(
      maxAbsError: maxAbs, maxRelativeToScale: maxAbs / max(scale, 1e-30), worstIndex: worst,
      count: actual.count, scale: scale)
  }

  public static func compare(_ actual: Tensor, _ reference: Tensor) -> ComparisonReport {
    compare(actual.data, reference.data)
  }
}
