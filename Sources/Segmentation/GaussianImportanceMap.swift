// nnU-Net v1's Gaussian importance map (_get_gaussian, STUNET.md §7 step 7): a delta at patch // 2
// blurred by scipy.ndimage.gaussian_filter with sigma = patch * 1/8 per axis, mode 'constant',
// truncate 4. That filter is separable and its kernel is a sampled Gaussian exp(-x^2 / (2 sigma^2))
// for |x| <= int(4 sigma + 0.5), normalised to sum 1, so the map is the product of three such
// kernels centred at patch // 2 (zero beyond the radius), computed in float64, divided by its
// maximum, cast to float32, with zeros replaced by the smallest nonzero value.
import Foundation
import TensorCore

public enum GaussianImportanceMap {
  /// The sampled, truncated, normalised kernel of scipy's gaussian_filter1d: index r holds the
  /// weight of offset r - radius.
  public static func kernel(sigma: Double, truncate: Double = 4) -> [Double] {
    let radius = Int(truncate * sigma + 0.5)
    let scale = -0.5 / (sigma * sigma)
    let raw = (-radius...radius).map { exp(scale * Double($0 * $0)) }
    let sum = raw.reduce(0, +)
    return raw.map { $0 / sum }
  }

  /// One axis of the blurred delta: the kernel weight of (index - patch // 2), 0 beyond the radius.
  public static func profile(patch: Int, sigmaScale: Double = 1.0 / 8) -> [Double] {
    let weights = kernel(sigma: Double(patch) * sigmaScale)
    let radius = weights.count / 2
    let centre = patch / 2
    return (0..<patch).map { index in
      let offset = index - centre
      return abs(offset) <= radius ? weights[offset + radius] : 0
    }
  }

  /// The [p0, p1, p2] importance map, float32, maximum 1 at the centre.
  public static func make(patch: [Int], sigmaScale: Double = 1.0 / 8) throws -> Tensor {
    guard patch.count == 3, patch.allSatisfy({ $0 > 0 }), sigmaScale > 0, sigmaScale.isFinite else {
      throw SegmentationError.invalidParameter(
        step: "Gaussian importance map", name: "patch / sigma scale", value: "\(patch) / \(sigmaScale)",
        expected: "three positive extents and a positive scale")
    }
    let profiles = patch.map { profile(patch: $0, sigmaScale: sigmaScale) }
    let peak = profiles[0][patch[0] / 2] * profiles[1][patch[1] / 2] * profiles[2][patch[2] / 2]
    var values = [Float](repeating: 0, count: patch.reduce(1, *))
    var smallestNonzero = Float.infinity
    var index = 0
    for k in 0..<patch[0] {
      for j in 0..<patch[1] {
        let outer = profiles[0][k] * profiles[1][j]
        for i in 0..<patch[2] {
          let value = Float(outer * profiles[2][i] / peak)
          values[index] = value
          if value != 0 { smallestNonzero = min(smallestNonzero, value) }
          index += 1
        }
      }
    }
    if smallestNonzero.isFinite {
      for position in values.indices where values[position] == 0 { values[position] = smallestNonzero }
    }
    return Tensor(shape: patch, data: values)
  }
}
