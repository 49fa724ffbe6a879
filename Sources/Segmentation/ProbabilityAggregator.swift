// The straightforward whole-volume aggregation of nnU-Net v1 (STUNET.md §7 step 9): per tile,
// sums[:, tile] += importance * probabilities and weights[tile] += importance (all ones with a
// single tile), then probabilities = sums / weights over the unpadded region. The weight map has
// one channel: nnU-Net's per-class copies are identical. Memory is C + 1 floats per padded voxel;
// `SlabAggregator` gives the same numbers in bounded memory.
import TensorCore

public final class ProbabilityAggregator {
  public let channels: Int
  public let window: SlidingWindow
  private let importance: [Float]?
  private var sums: [Float]
  private var weights: [Float]

  /// `importance` is the [p0, p1, p2] map, or nil for uniform weights (nnU-Net's single-tile case).
  public init(channels: Int, window: SlidingWindow, importance: Tensor?) throws {
    guard channels > 0 else {
      throw SegmentationError.invalidParameter(step: "aggregation", name: "channels", value: "\(channels)", expected: "> 0")
    }
    if let importance, importance.shape != window.patch {
      throw SegmentationError.shapeMismatch(step: "aggregation importance map", expected: window.patch, actual: importance.shape)
    }
    let volume = try VolumeShape.checkedCount(window.shape, step: "aggregation")
    self.channels = channels
    self.window = window
    self.importance = importance?.data
    sums = [Float](repeating: 0, count: try VolumeShape.multiply(volume, channels, step: "aggregation"))
    weights = [Float](repeating: 0, count: volume)
  }

  /// Adds one tile of probabilities [C, p0, p1, p2] whose corner is at `origin` in the padded grid.
  public func add(tileProbabilities tile: Tensor, origin: [Int]) throws {
    let patch = window.patch
    guard tile.shape == [channels] + patch else {
      throw SegmentationError.shapeMismatch(step: "aggregation", expected: [channels] + patch, actual: tile.shape)
    }
    guard origin.count == 3, (0..<3).allSatisfy({ origin[$0] >= 0 && origin[$0] + patch[$0] <= window.shape[$0] }) else {
      throw SegmentationError.outOfBounds(step: "aggregation", detail: "tile at \(origin) leaves the grid \(window.shape)")
    }
    let shape = window.shape
    let volume = shape.reduce(1, *)
    let patchVolume = patch.reduce(1, *)
    let importance = self.importance
    tile.data.withUnsafeBufferPointer { tileValues in
      sums.withUnsafeMutableBufferPointer { sums in
        for channel in 0..<channels {
          for k in 0..<patch[0] {
            for j in 0..<patch[1] {
              let read = (k * patch[1] + j) * patch[2]
              let write = channel * volume + ((origin[0] + k) * shape[1] + origin[1] + j) * shape[2] + origin[2]
              for i in 0..<patch[2] {
                let p = tileValues[channel * patchVolume + read + i]
                sums[write + i] += importance.map { p * $0[read + i] } ?? p
              }
            }
          }
        }
      }
    }
    weights.withUnsafeMutableBufferPointer { weights in
      for k in 0..<patch[0] {
        for j in 0..<patch[1] {
          let read = (k * patch[1] + j) * patch[2]
          let write = ((origin[0] + k) * shape[1] + origin[1] + j) * shape[2] + origin[2]
          for i in 0..<patch[2] { weights[write + i] += importance?[read + i] ?? 1 }
        }
      }
    }
  }

  /// sums / weights as [C, D, H, W] over the region left after removing `padding`.
  public func probabilities(removing padding: CentredPadding) throws -> Tensor {
    guard padding.paddedShape == window.shape else {
      throw SegmentationError.shapeMismatch(step: "aggregation result", expected: window.shape, actual: padding.paddedShape)
    }
    let shape = window.shape
    let volume = shape.reduce(1, *)
    let out = padding.originalShape
    var result = [Float](repeating: 0, count: channels * out.reduce(1, *))
    var write = 0
    for channel in 0..<channels {
      for k in 0..<out[0] {
        for j in 0..<out[1] {
          let read = ((padding.below[0] + k) * shape[1] + padding.below[1] + j) * shape[2] + padding.below[2]
          for i in 0..<out[2] {
            result[write] = sums[channel * volume + read + i] / weights[read + i]
            write += 1
          }
        }
      }
    }
    return Tensor(shape: [channels] + out, data: result)
  }
}
