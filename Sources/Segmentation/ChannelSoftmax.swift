// Softmax over the channel axis of [C, D, H, W] logits (nnU-Net's inference_apply_nonlin), in
// float32 as PyTorch's softmax computes it: exp(x - max) / sum over channels per voxel. Works on
// strips of voxels so every channel loop is contiguous.
import Foundation
import TensorCore

public enum ChannelSoftmax {
  /// Replaces [C, D, H, W] logits by probabilities in place.
  public static func apply(to logits: inout Tensor, threads: Int = ParallelLoop.defaultThreadCount) throws {
    guard logits.rank == 4, logits.shape[0] > 0 else {
      throw SegmentationError.wrongRank(step: "softmax", expected: "logits [C, D, H, W]", actual: logits.shape)
    }
    let channels = logits.shape[0]
    let voxels = logits.shape[1...].reduce(1, *)
    let strip = 256
    logits.data.withUnsafeMutableBufferPointer { values in
      guard let base = values.baseAddress else { return }
      ParallelLoop.forRanges((voxels + strip - 1) / strip, threads: threads) { strips in
        let peak = UnsafeMutablePointer<Float>.allocate(capacity: strip)
        let total = UnsafeMutablePointer<Float>.allocate(capacity: strip)
        defer {
          peak.deallocate()
          total.deallocate()
        }
        for stripIndex in strips {
          let first = stripIndex * strip
          let width = min(strip, voxels - first)
          for v in 0..<width { peak[v] = -.infinity }
          for channel in 0..<channels {
            let row = base + channel * voxels + first
            for v in 0..<width { peak[v] = max(peak[v], row[v]) }
          }
          for v in 0..<width { total[v] = 0 }
          for channel in 0..<channels {
            let row = base + channel * voxels + first
            for v in 0..<width {
              let e = expf(row[v] - peak[v])
              row[v] = e
              total[v] += e
            }
          }
          for channel in 0..<channels {
            let row = base + channel * voxels + first
            for v in 0..<width { row[v] /= total[v] }
          }
        }
      }
    }
  }
}
