// Shape checks shared by the steps: a spatial volume is [D, H, W] in nnU-Net's (k, j, i) order, a
// class map is [C, D, H, W]. Sizes come from input files, so products are overflow-checked.
import TensorCore

enum VolumeShape {
  /// The spatial shape of a rank-3 volume, or throws naming the step.
  static func spatial(of tensor: Tensor, step: String) throws -> [Int] {
    guard tensor.rank == 3 else {
      throw SegmentationError.wrongRank(step: step, expected: "a 3-D volume [D, H, W]", actual: tensor.shape)
    }
    return tensor.shape
  }

  /// Channel count and spatial shape of a rank-4 [C, D, H, W] tensor, or of a rank-3 volume seen
  /// as one channel.
  static func channelsAndSpatial(of tensor: Tensor, step: String) throws -> (channels: Int, spatial: [Int]) {
    switch tensor.rank {
    case 3: return (1, tensor.shape)
    case 4: return (tensor.shape[0], Array(tensor.shape[1...]))
    default:
      throw SegmentationError.wrongRank(
        step: step, expected: "a volume [D, H, W] or a class map [C, D, H, W]", actual: tensor.shape)
    }
  }

  /// Checks a 3-element shape is non-empty with an element count that fits in Int.
  static func checkedCount(_ shape: [Int], step: String) throws -> Int {
    guard shape.count == 3, shape.allSatisfy({ $0 > 0 }), let count = Tensor.checkedElementCount(shape) else {
      throw SegmentationError.emptyShape(step: step, shape: shape)
    }
    return count
  }

  /// `count * channels`, or throws when it overflows.
  static func multiply(_ count: Int, _ channels: Int, step: String) throws -> Int {
    let (product, overflow) = count.multipliedReportingOverflow(by: channels)
    guard !overflow, channels >= 0 else {
      throw SegmentationError.invalidParameter(
        step: step, name: "element count", value: "\(count) x \(channels)", expected: "a size that fits in 64 bits")
    }
    return product
  }
}
