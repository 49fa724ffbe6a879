// Centred zero padding to at least the patch size (STUNET.md §7 step 5), as batchgenerators'
// pad_nd_image does for nnU-Net: per axis, only when the volume is smaller than the patch, with
// below = diff // 2 and above = diff - below, constant 0; removed again after prediction.
import TensorCore

public struct CentredPadding: Equatable, Sendable {
  /// Spatial shape before padding, (k, j, i).
  public let originalShape: [Int]
  /// Voxels added before the volume on each axis.
  public let below: [Int]
  /// Voxels added after the volume on each axis.
  public let above: [Int]

  public init(shape: [Int], minimumShape: [Int]) throws {
    guard shape.count == 3, minimumShape.count == 3, shape.allSatisfy({ $0 > 0 }), minimumShape.allSatisfy({ $0 > 0 })
    else {
      throw SegmentationError.invalidParameter(
        step: "padding", name: "shape / minimum shape", value: "\(shape) / \(minimumShape)",
        expected: "three positive extents each")
    }
    originalShape = shape
    let difference = zip(shape, minimumShape).map { max($1 - $0, 0) }
    below = difference.map { $0 / 2 }
    above = difference.map { $0 - $0 / 2 }
  }

  public var paddedShape: [Int] { (0..<3).map { originalShape[$0] + below[$0] + above[$0] } }
  public var isIdentity: Bool { below == [0, 0, 0] && above == [0, 0, 0] }

  /// Pads the last three axes of a [D, H, W] or [C, D, H, W] tensor with zeros.
  public func pad(_ tensor: Tensor) throws -> Tensor {
    let (channels, spatial) = try VolumeShape.channelsAndSpatial(of: tensor, step: "padding")
    guard spatial == originalShape else {
      throw SegmentationError.shapeMismatch(step: "padding", expected: originalShape, actual: spatial)
    }
    if isIdentity { return tensor }
    let padded = paddedShape
    let paddedCount = try VolumeShape.checkedCount(padded, step: "padding")
    var out = [Float](repeating: 0, count: try VolumeShape.multiply(paddedCount, channels, step: "padding"))
    copyBox(from: tensor.data, fromShape: spatial, origin: [0, 0, 0], to: &out, toShape: padded, toOrigin: below,
      extent: spatial, channels: channels)
    return Tensor(shape: tensor.rank == 4 ? [channels] + padded : padded, data: out, dtype: tensor.dtype)
  }

  /// Removes the padding from the last three axes of a padded [D, H, W] or [C, D, H, W] tensor.
  public func removePadding(_ tensor: Tensor) throws -> Tensor {
    let (channels, spatial) = try VolumeShape.channelsAndSpatial(of: tensor, step: "removing padding")
    guard spatial == paddedShape else {
      throw SegmentationError.shapeMismatch(step: "removing padding", expected: paddedShape, actual: spatial)
    }
    if isIdentity { return tensor }
    let count = originalShape.reduce(1, *)
    var out = [Float](repeating: 0, count: count * channels)
    copyBox(from: tensor.data, fromShape: spatial, origin: below, to: &out, toShape: originalShape,
      toOrigin: [0, 0, 0], extent: originalShape, channels: channels)
    return Tensor(shape: tensor.rank == 4 ? [channels] + originalShape : originalShape, data: out, dtype: tensor.dtype)
  }

  /// Copies an `extent` box between two channel stacks of different spatial shapes.
  private func copyBox(
    from source: [Float], fromShape: [Int], origin: [Int], to target: inout [Float], toShape: [Int],
    toOrigin: [Int], extent: [Int], channels: Int
  ) {
    let sourceCount = fromShape.reduce(1, *)
    let targetCount = toShape.reduce(1, *)
    source.withUnsafeBufferPointer { source in
      target.withUnsafeMutableBufferPointer { target in
        for channel in 0..<channels {
          for k in 0..<extent[0] {
            for j in 0..<extent[1] {
              let read = channel * sourceCount + ((origin[0] + k) * fromShape[1] + origin[1] + j) * fromShape[2] + origin[2]
              let write = channel * targetCount + ((toOrigin[0] + k) * toShape[1] + toOrigin[1] + j) * toShape[2] + toOrigin[2]
              for i in 0..<extent[2] { target[write + i] = source[read + i] }
            }
          }
        }
      }
    }
  }
}
