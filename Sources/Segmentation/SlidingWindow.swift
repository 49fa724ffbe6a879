// nnU-Net v1's sliding-window grid (_compute_steps_for_sliding_window, STUNET.md §7 step 6): per
// axis n = ceil((size - patch) / (patch * step)) + 1 tiles; with more than one, the actual step is
// (size - patch) / (n - 1) and the starts are round(actualStep * k) with numpy's round-half-to-even
// (computed in that order, as nnU-Net does); one tile starts at 0. Tiles are visited in nested
// order, axis 0 outermost and axis 2 innermost.

public struct SlidingWindow: Equatable, Sendable {
  /// Spatial shape of the (padded) volume, (k, j, i).
  public let shape: [Int]
  public let patch: [Int]
  /// Tile starts per axis.
  public let starts: [[Int]]

  /// `shape` must be at least `patch` on every axis (pad first with `CentredPadding`).
  public init(shape: [Int], patch: [Int], stepFraction: Double = 0.5) throws {
    let step = "sliding window"
    guard shape.count == 3, patch.count == 3, patch.allSatisfy({ $0 > 0 }) else {
      throw SegmentationError.invalidParameter(
        step: step, name: "shape / patch", value: "\(shape) / \(patch)", expected: "three positive extents each")
    }
    guard zip(shape, patch).allSatisfy({ $0 >= $1 }) else {
      throw SegmentationError.invalidParameter(
        step: step, name: "shape", value: "\(shape)", expected: "at least the patch \(patch) on every axis (pad first)")
    }
    guard stepFraction > 0, stepFraction <= 1 else {
      throw SegmentationError.invalidParameter(
        step: step, name: "step fraction", value: "\(stepFraction)", expected: "a value in (0, 1]")
    }
    self.shape = shape
    self.patch = patch
    self.starts = (0..<3).map { Self.starts(size: shape[$0], patch: patch[$0], stepFraction: stepFraction) }
  }

  /// The starts along one axis.
  public static func starts(size: Int, patch: Int, stepFraction: Double) -> [Int] {
    let targetStep = Double(patch) * stepFraction
    let count = Int((Double(size - patch) / targetStep).rounded(.up)) + 1
    guard count > 1 else { return [0] }
    let actualStep = Double(size - patch) / Double(count - 1)
    return (0..<count).map { Int((actualStep * Double($0)).rounded(.toNearestOrEven)) }
  }

  public var tileCount: Int { starts.reduce(1) { $0 * $1.count } }

  /// nnU-Net applies the Gaussian importance map only when there is more than one tile.
  public var usesImportanceWeighting: Bool { tileCount > 1 }

  /// Tile origins in visiting order (axis 0 outer, axis 2 inner).
  public var tileOrigins: [[Int]] {
    var origins: [[Int]] = []
    origins.reserveCapacity(tileCount)
    for k in starts[0] {
      for j in starts[1] {
        for i in starts[2] { origins.append([k, j, i]) }
      }
    }
    return origins
  }
}
