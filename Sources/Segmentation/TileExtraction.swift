// Cuts one network input tile out of the padded, normalised volume (STUNET.md §7 steps 6 and 8):
// the patch-sized box at a sliding-window origin, as a [1, 1, p0, p1, p2] batch, optionally read
// through a flip of the spatial axes for a test-time mirrored pass (no separate flipped copy).
import TensorCore

public enum TileExtraction {
  public static func tile(
    of volume: Tensor, origin: [Int], patch: [Int], flippedAlong axes: [Int] = []
  ) throws -> Tensor {
    let step = "tile extraction"
    let shape = try VolumeShape.spatial(of: volume, step: step)
    guard patch.count == 3, origin.count == 3,
      (0..<3).allSatisfy({ patch[$0] > 0 && origin[$0] >= 0 && origin[$0] + patch[$0] <= shape[$0] })
    else {
      throw SegmentationError.outOfBounds(step: step, detail: "a \(patch) tile at \(origin) leaves the volume \(shape)")
    }
    guard axes.allSatisfy({ (0..<3).contains($0) }) else {
      throw SegmentationError.invalidParameter(step: step, name: "axes", value: "\(axes)", expected: "spatial axes among 0, 1, 2")
    }
    let flips = FlippedIndexing(shape: patch, axes: axes)
    var values = [Float](repeating: 0, count: flips.volume)
    volume.data.withUnsafeBufferPointer { source in
      values.withUnsafeMutableBufferPointer { target in
        guard let read = source.baseAddress, let write = target.baseAddress else { return }
        for k in 0..<patch[0] {
          for j in 0..<patch[1] {
            // Source row of the patch (flipped coordinates), mapped into the volume.
            flips.forEachRow(k: k, j: j) { targetRow, sourceRow, step in
              let patchK = sourceRow / (patch[1] * patch[2])
              let patchJ = (sourceRow / patch[2]) % patch[1]
              let patchI = sourceRow % patch[2]
              let from = read + ((origin[0] + patchK) * shape[1] + origin[1] + patchJ) * shape[2] + origin[2] + patchI
              let to = write + targetRow
              for i in 0..<patch[2] { to[i] = from[i * step] }
            }
          }
        }
      }
    }
    return Tensor(shape: [1, 1] + patch, data: values)
  }
}
