// Crop to the nonzero bounding box and paste back (STUNET.md §7 steps 2 and 10), as nnU-Net v1's
// cropping does: the mask is `data != 0` (NaN counts as nonzero), hole filling cannot move the box,
// so the box is the extent of the nonzero voxels. An all-zero volume (where nnU-Net itself would
// crash on an empty `np.where`) keeps the whole volume as its box.
import TensorCore

public struct CropBox: Equatable, Sendable, CustomStringConvertible {
  /// First voxel inside the box per axis (inclusive), in (k, j, i) order.
  public var lower: [Int]
  /// One past the last voxel per axis (exclusive).
  public var upper: [Int]

  public init(lower: [Int], upper: [Int]) {
    self.lower = lower
    self.upper = upper
  }

  /// The box covering a whole volume of `shape`.
  public init(wholeVolumeOf shape: [Int]) {
    self.init(lower: shape.map { _ in 0 }, upper: shape)
  }

  public var shape: [Int] { zip(lower, upper).map { $1 - $0 } }

  public var description: String {
    "[" + zip(lower, upper).map { "\($0)..<\($1)" }.joined(separator: ", ") + "]"
  }

  /// The bounding box of the voxels that are not exactly 0 in a [D, H, W] volume. An all-zero
  /// volume gives the whole volume (documented choice: nothing to crop, nothing to crash on).
  public static func nonzeroBox(of volume: Tensor) throws -> CropBox {
    let shape = try VolumeShape.spatial(of: volume, step: "nonzero bounding box")
    let (depth, height, width) = (shape[0], shape[1], shape[2])
    var lower = [depth, height, width]
    var upper = [0, 0, 0]
    volume.data.withUnsafeBufferPointer { values in
      var index = 0
      for k in 0..<depth {
        for j in 0..<height {
          var firstI = -1
          var lastI = -1
          for i in 0..<width {
            if values[index + i] != 0 {
              if firstI < 0 { firstI = i }
              lastI = i
            }
          }
          index += width
          guard firstI >= 0 else { continue }
          lower[0] = min(lower[0], k); upper[0] = max(upper[0], k + 1)
          lower[1] = min(lower[1], j); upper[1] = max(upper[1], j + 1)
          lower[2] = min(lower[2], firstI); upper[2] = max(upper[2], lastI + 1)
        }
      }
    }
    if upper[0] == 0 { return CropBox(wholeVolumeOf: shape) }
    return CropBox(lower: lower, upper: upper)
  }

  private func validate(inside shape: [Int], step: String) throws {
    guard lower.count == 3, upper.count == 3, shape.count == 3,
      (0..<3).allSatisfy({ lower[$0] >= 0 && lower[$0] < upper[$0] && upper[$0] <= shape[$0] })
    else {
      throw SegmentationError.outOfBounds(step: step, detail: "box \(self) does not fit a volume of shape \(shape)")
    }
  }

  /// The part of a [D, H, W] volume inside the box.
  public func crop(_ volume: Tensor) throws -> Tensor {
    let shape = try VolumeShape.spatial(of: volume, step: "crop to box")
    try validate(inside: shape, step: "crop to box")
    let outShape = self.shape
    var out = [Float](repeating: 0, count: outShape[0] * outShape[1] * outShape[2])
    volume.data.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        var write = 0
        for k in lower[0]..<upper[0] {
          for j in lower[1]..<upper[1] {
            let read = (k * shape[1] + j) * shape[2] + lower[2]
            for offset in 0..<outShape[2] { target[write + offset] = source[read + offset] }
            write += outShape[2]
          }
        }
      }
    }
    return Tensor(shape: outShape, data: out, dtype: volume.dtype)
  }

  /// A zero volume of `originalShape` with `cropped` (whose shape must equal the box's) written
  /// into the box.
  public func paste(_ cropped: Tensor, intoZerosOf originalShape: [Int]) throws -> Tensor {
    let shape = try VolumeShape.spatial(of: cropped, step: "paste into crop box")
    try validate(inside: originalShape, step: "paste into crop box")
    guard shape == self.shape else {
      throw SegmentationError.shapeMismatch(step: "paste into crop box", expected: self.shape, actual: shape)
    }
    let count = try VolumeShape.checkedCount(originalShape, step: "paste into crop box")
    var out = [Float](repeating: 0, count: count)
    cropped.data.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        var read = 0
        for k in lower[0]..<upper[0] {
          for j in lower[1]..<upper[1] {
            let write = (k * originalShape[1] + j) * originalShape[2] + lower[2]
            for offset in 0..<shape[2] { target[write + offset] = source[read + offset] }
            read += shape[2]
          }
        }
      }
    }
    return Tensor(shape: originalShape, data: out, dtype: cropped.dtype)
  }
}
