// Converts activations between the caller's row-major NCDHW tensors and a buffer's layout
// (the runtime uses it to copy graph inputs into the arena and outputs out of it).
// NCDHW<b>c: [N][ceil(C/b)][spatial][b], padding channels zero.

import GraphIR
import TensorCore

public enum ActivationPacking {
  /// Element positions of an [N, C, spatial...] tensor in NCDHW<b>c (b = 1 is row-major NCDHW).
  public struct BlockedIndexer: Sendable {
    public let batch: Int
    public let channels: Int
    public let spatial: Int
    public let block: Int
    public let paddedChannels: Int

    public init(shape: [Int], block: Int) {
      batch = shape.first ?? 1
      channels = shape.count > 1 ? shape[1] : 1
      spatial = shape.dropFirst(2).reduce(1, *)
      self.block = max(block, 1)
      paddedChannels = (channels + self.block - 1) / self.block * self.block
    }

    public var count: Int { batch * paddedChannels * spatial }

    @inline(__always)
    public func index(sample n: Int, channel c: Int, voxel s: Int) -> Int {
      ((n * (paddedChannels / block) + c / block) * spatial + s) * block + c % block
    }
  }

  /// Values of `tensor` arranged in `layout` (row-major or channel-blocked).
  public static func pack(_ tensor: Tensor, into layout: Layout) throws -> [Float] {
    switch layout {
    case .rowMajor:
      return tensor.data
    case .channelBlocked(let block):
      guard tensor.rank >= 2 else {
        throw KernelIRError(.packing, at: "tensor \(tensor.shape)", "NCDHW\(block)c needs [N, C, ...]")
      }
      let indexer = BlockedIndexer(shape: tensor.shape, block: block)
      var packed = [Float](repeating: 0, count: indexer.count)
      var source = 0
      for n in 0..<indexer.batch {
        for c in 0..<indexer.channels {
          for s in 0..<indexer.spatial {
            packed[indexer.index(sample: n, channel: c, voxel: s)] = tensor.data[source]
            source += 1
          }
        }
      }
      return packed
    default:
      throw KernelIRError(.packing, at: "tensor \(tensor.shape)", "\(layout.name(rank: tensor.rank)) is not an activation layout")
    }
  }

  /// The row-major tensor of `type` held in `data` laid out as `layout`.
  public static func unpack(_ data: [Float], type: TensorType, layout: Layout) throws -> Tensor {
    switch layout {
    case .rowMajor:
      return try Tensor(validatingShape: type.shape, data: data, dtype: type.dtype)
    case .channelBlocked(let block):
      let indexer = BlockedIndexer(shape: type.shape, block: block)
      guard type.rank >= 2, data.count == indexer.count else {
        throw KernelIRError(.packing, at: "tensor \(type)", "expected \(indexer.count) values in NCDHW\(block)c, got \(data.count)")
      }
      var values = [Float](repeating: 0, count: indexer.batch * indexer.channels * indexer.spatial)
      var target = 0
      for n in 0..<indexer.batch {
        for c in 0..<indexer.channels {
          for s in 0..<indexer.spatial {
            values[target] = data[indexer.index(sample: n, channel: c, voxel: s)]
            target += 1
          }
        }
      }
      return try Tensor(validatingShape: type.shape, data: values, dtype: type.dtype)
    default:
      throw KernelIRError(.packing, at: "tensor \(type)", "\(layout.name(rank: type.rank)) is not an activation layout")
    }
  }
}
