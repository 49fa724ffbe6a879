// Test-time mirroring (STUNET.md §7 step 8): nnU-Net v1's eight passes flip the spatial axes of a
// [C, D, H, W] tile in the order none, (2), (1), (1, 2), (0), (0, 2), (0, 1), (0, 1, 2); each
// prediction is flipped back with the same axes (a flip is its own inverse) and weighted 1/8.
import TensorCore

public enum Mirroring {
  /// The spatial axes flipped by each of the eight test-time passes, in nnU-Net's order.
  public static let testTimeAugmentationAxes: [[Int]] = [[], [2], [1], [1, 2], [0], [0, 2], [0, 1], [0, 1, 2]]

  /// Flips the last three axes of a [D, H, W] or [C, D, H, W] tensor along `spatialAxes` (0, 1, 2).
  public static func flip(_ tensor: Tensor, spatialAxes: [Int]) throws -> Tensor {
    let (channels, spatial) = try VolumeShape.channelsAndSpatial(of: tensor, step: "mirroring")
    guard spatialAxes.allSatisfy({ (0..<3).contains($0) }) else {
      throw SegmentationError.invalidParameter(
        step: "mirroring", name: "axes", value: "\(spatialAxes)", expected: "spatial axes among 0, 1, 2")
    }
    if spatialAxes.isEmpty { return tensor }
    let flipK = spatialAxes.contains(0)
    let flipJ = spatialAxes.contains(1)
    let flipI = spatialAxes.contains(2)
    let (depth, height, width) = (spatial[0], spatial[1], spatial[2])
    let volume = depth * height * width
    var out = [Float](repeating: 0, count: tensor.count)
    tensor.data.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        ParallelLoop.forRanges(channels * depth, threads: ParallelLoop.defaultThreadCount) { planes in
          for plane in planes {
            let (channel, k) = plane.quotientAndRemainder(dividingBy: depth)
            let sourceK = flipK ? depth - 1 - k : k
            for j in 0..<height {
              let sourceJ = flipJ ? height - 1 - j : j
              let read = channel * volume + (sourceK * height + sourceJ) * width
              let write = channel * volume + (k * height + j) * width
              if flipI {
                for i in 0..<width { target[write + i] = source[read + width - 1 - i] }
              } else {
                for i in 0..<width { target[write + i] = source[read + i] }
              }
            }
          }
        }
      }
    }
    return Tensor(shape: tensor.shape, data: out, dtype: tensor.dtype)
  }
}

extension Mirroring {
  /// `result += weight * flip(prediction, axes)` for [C, D, H, W] tiles of equal shape: nnU-Net's
  /// `result += 1 / num_results * flip(pred, axes)`, without a flipped copy.
  public static func accumulate(
    _ prediction: Tensor, flippedAlong spatialAxes: [Int], weight: Float, into result: inout Tensor
  ) throws {
    guard prediction.rank == 4, prediction.shape == result.shape else {
      throw SegmentationError.shapeMismatch(step: "mirrored accumulation", expected: result.shape, actual: prediction.shape)
    }
    let flips = FlippedIndexing(shape: Array(prediction.shape[1...]), axes: spatialAxes)
    let channels = prediction.shape[0]
    prediction.data.withUnsafeBufferPointer { source in
      result.data.withUnsafeMutableBufferPointer { target in
        guard let read = source.baseAddress, let write = target.baseAddress else { return }
        ParallelLoop.forRanges(channels * flips.depth, threads: ParallelLoop.defaultThreadCount) { planes in
          for plane in planes {
            let (channel, k) = plane.quotientAndRemainder(dividingBy: flips.depth)
            let offset = channel * flips.volume
            for j in 0..<flips.height {
              flips.forEachRow(k: k, j: j) { targetRow, sourceRow, step in
                let from = read + offset + sourceRow
                let to = write + offset + targetRow
                for i in 0..<flips.width { to[i] += weight * from[i * step] }
              }
            }
          }
        }
      }
    }
  }
}

/// Row addressing of a [D, H, W] block read through a flip: for target row (k, j) it gives the
/// first source element of the row and the element step (+1, or -1 when axis 2 is flipped).
struct FlippedIndexing {
  let depth: Int
  let height: Int
  let width: Int
  let flipK: Bool
  let flipJ: Bool
  let flipI: Bool

  init(shape: [Int], axes: [Int]) {
    depth = shape[0]
    height = shape[1]
    width = shape[2]
    flipK = axes.contains(0)
    flipJ = axes.contains(1)
    flipI = axes.contains(2)
  }

  var volume: Int { depth * height * width }

  @inline(__always)
  func forEachRow(k: Int, j: Int, _ body: (_ targetRow: Int, _ sourceRow: Int, _ step: Int) -> Void) {
    let sourceK = flipK ? depth - 1 - k : k
    let sourceJ = flipJ ? height - 1 - j : j
    let sourceRow = (sourceK * height + sourceJ) * width + (flipI ? width - 1 : 0)
    body((k * height + j) * width, sourceRow, flipI ? -1 : 1)
  }
}
