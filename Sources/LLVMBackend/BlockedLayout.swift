// The blocked channel layout NCDHW8c used by every JIT kernel, and Swift reference conversions.
//
// NCDHW8c, for a tensor of N=1 batch, C channels and spatial extent D x H x W:
//   * channels are grouped into CB = ceil(C / 8) blocks of 8;
//   * memory order is [CB][D][H][W][8]: the 8 channels of one block at one voxel are 8
//     consecutive floats (one AVX2 register), then W, then H, then D, then the channel block;
//   * element (c, d, h, w) lives at ((((c / 8) * D + d) * H + h) * W + w) * 8 + c % 8;
//   * when C is not a multiple of 8, the tail lanes c = C ..< 8 * CB of the last block exist in
//     memory and hold zeros (kernels keep them zero), so the buffer has 8 * CB * D * H * W floats.
// Buffers are 64-byte aligned, so every 8-float vector is 32-byte aligned.

/// A 3-D size or offset, ordered (depth, height, width) = the array axes (D, H, W).
public struct Extent3: Hashable, Sendable, CustomStringConvertible {
  public var depth: Int
  public var height: Int
  public var width: Int

  public init(_ depth: Int, _ height: Int, _ width: Int) {
    self.depth = depth
    self.height = height
    self.width = width
  }

  public init(uniform value: Int) { self.init(value, value, value) }

  public var voxelCount: Int { depth * height * width }
  /// depth * height * width * factor, or nil when it overflows Int (sizes may come from files).
  public func checkedVoxelCount(times factor: Int = 1) -> Int? {
    var product = factor
    for size in [depth, height, width] {
      let (next, overflow) = product.multipliedReportingOverflow(by: size)
      if overflow { return nil }
      product = next
    }
    return product
  }
  public var array: [Int] { [depth, height, width] }
  public var description: String { "\(depth)x\(height)x\(width)" }
  public var allPositive: Bool { depth > 0 && height > 0 && width > 0 }
  public var allNonNegative: Bool { depth >= 0 && height >= 0 && width >= 0 }
}

public enum BlockedLayout {
  public static let blockSize = 8

  public static func channelBlocks(_ channels: Int) -> Int { (channels + blockSize - 1) / blockSize }

  /// Floats in an NCDHW8c buffer (N = 1), tail lanes included.
  public static func elementCount(channels: Int, extent: Extent3) -> Int {
    channelBlocks(channels) * extent.voxelCount * blockSize
  }

  /// Index of element (c, d, h, w) in an NCDHW8c buffer.
  public static func offset(channel: Int, depth: Int, height: Int, width: Int, extent: Extent3) -> Int {
    ((((channel / blockSize) * extent.depth + depth) * extent.height + height) * extent.width + width) * blockSize
      + channel % blockSize
  }

  /// Reference conversion NCDHW (N = 1, row-major) -> NCDHW8c with zero tails.
  public static func pack(_ plain: UnsafeBufferPointer<Float>, channels: Int, extent: Extent3) -> [Float] {
    let voxels = extent.voxelCount
    var blocked = [Float](repeating: 0, count: elementCount(channels: channels, extent: extent))
    for channel in 0..<channels {
      let block = channel / blockSize
      let lane = channel % blockSize
      for voxel in 0..<voxels {
        blocked[(block * voxels + voxel) * blockSize + lane] = plain[channel * voxels + voxel]
      }
    }
    return blocked
  }

  /// Reference conversion NCDHW8c -> NCDHW (N = 1), dropping the tail lanes.
  public static func unpack(_ blocked: UnsafeBufferPointer<Float>, channels: Int, extent: Extent3) -> [Float] {
    let voxels = extent.voxelCount
    var plain = [Float](repeating: 0, count: channels * voxels)
    for channel in 0..<channels {
      let block = channel / blockSize
      let lane = channel % blockSize
      for voxel in 0..<voxels {
        plain[channel * voxels + voxel] = blocked[(block * voxels + voxel) * blockSize + lane]
      }
    }
    return plain
  }
}
