// Where and how nnU-Net v1 resamples (STUNET.md §7 steps 3 and 10): the new shape is
// round(spacing / target * shape) per axis with numpy's round-half-to-even, and the separate-axis
// rule: when max(spacing) / min(spacing) > 3, checked on the original spacing first and only then
// on the target spacing, and exactly one axis has the largest spacing, that axis is resampled
// with order 0 while the other two use the requested order.

public struct ResamplingPlan: Equatable, Sendable, CustomStringConvertible {
  /// nnU-Net's RESAMPLING_SEPARATE_Z_ANISO_THRESHOLD.
  public static let defaultAnisotropyThreshold = 3.0

  /// Spatial shape before resampling, (k, j, i) order.
  public let inputShape: [Int]
  /// Spatial shape after resampling.
  public let outputShape: [Int]
  /// The single coarse axis resampled with order 0, or nil when all axes use the same order.
  public let separateAxis: Int?

  public init(inputShape: [Int], outputShape: [Int], separateAxis: Int?) throws {
    let step = "resampling plan"
    _ = try VolumeShape.checkedCount(inputShape, step: step)
    _ = try VolumeShape.checkedCount(outputShape, step: step)
    if let axis = separateAxis, !(0..<3).contains(axis) {
      throw SegmentationError.invalidParameter(step: step, name: "separate axis", value: "\(axis)", expected: "0, 1 or 2")
    }
    self.inputShape = inputShape
    self.outputShape = outputShape
    self.separateAxis = separateAxis
  }

  /// True when nothing changes (nnU-Net then skips resampling altogether).
  public var isIdentity: Bool { inputShape == outputShape }

  public var description: String {
    "\(inputShape) -> \(outputShape)" + (separateAxis.map { " (axis \($0) order 0)" } ?? "")
  }

  /// round(spacing / target * shape) per axis, numpy-style (halves to even).
  public static func resampledShape(shape: [Int], spacing: [Double], targetSpacing: [Double]) throws -> [Int] {
    let step = "resampled shape"
    try checkSpacing(spacing, step: step)
    try checkSpacing(targetSpacing, step: step)
    guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
      throw SegmentationError.emptyShape(step: step, shape: shape)
    }
    var result: [Int] = []
    for axis in 0..<3 {
      let value = ((spacing[axis] / targetSpacing[axis]) * Double(shape[axis])).rounded(.toNearestOrEven)
      guard value >= 1, value < Double(Int32.max) else {
        throw SegmentationError.emptyShape(step: step, shape: shape)
      }
      result.append(Int(value))
    }
    return result
  }

  /// The coarse axis resampled with order 0, or nil (nnU-Net's get_do_separate_z / get_lowres_axis).
  public static func separateAxis(
    originalSpacing: [Double], targetSpacing: [Double], anisotropyThreshold: Double = defaultAnisotropyThreshold
  ) -> Int? {
    for spacing in [originalSpacing, targetSpacing] {
      guard let largest = spacing.max(), let smallest = spacing.min(), largest / smallest > anisotropyThreshold
      else { continue }
      let coarse = spacing.indices.filter { largest / spacing[$0] == 1 }
      return coarse.count == 1 ? coarse[0] : nil
    }
    return nil
  }

  /// Preprocessing: from a cropped volume at `spacing` to `targetSpacing`.
  public static func toTargetSpacing(
    shape: [Int], spacing: [Double], targetSpacing: [Double],
    anisotropyThreshold: Double = defaultAnisotropyThreshold
  ) throws -> ResamplingPlan {
    let outputShape = try resampledShape(shape: shape, spacing: spacing, targetSpacing: targetSpacing)
    return try ResamplingPlan(
      inputShape: shape, outputShape: outputShape,
      separateAxis: separateAxis(
        originalSpacing: spacing, targetSpacing: targetSpacing, anisotropyThreshold: anisotropyThreshold))
  }

  /// Export: from the grid at `targetSpacing` back to the cropped original shape. The rule is
  /// checked on the original spacing first, then on the target spacing, as nnU-Net's export does.
  public static func backToOriginal(
    resampledShape: [Int], originalShape: [Int], originalSpacing: [Double], targetSpacing: [Double],
    anisotropyThreshold: Double = defaultAnisotropyThreshold
  ) throws -> ResamplingPlan {
    try checkSpacing(originalSpacing, step: "resampling back")
    try checkSpacing(targetSpacing, step: "resampling back")
    return try ResamplingPlan(
      inputShape: resampledShape, outputShape: originalShape,
      separateAxis: separateAxis(
        originalSpacing: originalSpacing, targetSpacing: targetSpacing, anisotropyThreshold: anisotropyThreshold))
  }

  /// The order used along `axis` when the in-plane order is `order`.
  public func order(alongAxis axis: Int, inPlane order: InterpolationOrder) -> InterpolationOrder {
    axis == separateAxis ? .nearest : order
  }

  static func checkSpacing(_ spacing: [Double], step: String) throws {
    guard spacing.count == 3, spacing.allSatisfy({ $0.isFinite && $0 > 0 }) else {
      throw SegmentationError.invalidSpacing(step: step, spacing: spacing)
    }
  }
}
