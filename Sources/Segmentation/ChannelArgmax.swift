// Argmax over the channel axis of [C, D, H, W] probabilities, as numpy's argmax(0): the first
// channel wins ties. The result is a [D, H, W] label map of exact integers stored as Float.
import TensorCore

public enum ChannelArgmax {
  public static func labels(of probabilities: Tensor, threads: Int = ParallelLoop.defaultThreadCount) throws -> Tensor {
    guard probabilities.rank == 4, probabilities.shape[0] > 0 else {
      throw SegmentationError.wrongRank(step: "argmax", expected: "probabilities [C, D, H, W]", actual: probabilities.shape)
    }
    let channels = probabilities.shape[0]
    let spatial = Array(probabilities.shape[1...])
    let voxels = spatial.reduce(1, *)
    var labels = [Float](repeating: 0, count: voxels)
    probabilities.data.withUnsafeBufferPointer { values in
      labels.withUnsafeMutableBufferPointer { out in
        guard let source = values.baseAddress, let target = out.baseAddress else { return }
        ParallelLoop.forRanges(voxels, threads: threads, minimumPerWorker: 4096) { range in
          argmax(source + range.lowerBound, channelStride: voxels, channels: channels, count: range.count,
            into: target + range.lowerBound)
        }
      }
    }
    return Tensor(shape: spatial, data: labels, dtype: channels <= 256 ? .u8 : .i32)
  }

  /// Argmax of `count` consecutive voxels whose channels lie `channelStride` apart. `into` is
  /// also used as the running best index; the running best value lives in a small strip buffer.
  static func argmax(
    _ source: UnsafePointer<Float>, channelStride: Int, channels: Int, count: Int, into target: UnsafeMutablePointer<Float>
  ) {
    let strip = 512
    let best = UnsafeMutablePointer<Float>.allocate(capacity: strip)
    defer { best.deallocate() }
    var first = 0
    while first < count {
      let width = min(strip, count - first)
      for v in 0..<width {
        best[v] = source[first + v]
        target[first + v] = 0
      }
      for channel in 1..<channels {
        let row = source + channel * channelStride + first
        let label = Float(channel)
        for v in 0..<width where row[v] > best[v] {
          best[v] = row[v]
          target[first + v] = label
        }
      }
      first += width
    }
  }
}
