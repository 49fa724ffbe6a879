// Softmax over the channel axis of [C, D, H, W] logits (nnU-Net's inference_apply_nonlin), in
// float32 as PyTorch's softmax computes it: exp(x - max) / sum over channels per voxel. Works on
// strips of voxels so every channel loop is contiguous, and uses an exp the compiler can
// vectorise (no library call): x = n ln2 + r with n = round(x / ln2) by the 1.5 * 2^23 trick, e^r
// from its Taylor series to degree 7 (truncation below 1e-8 relative for |r| <= ln2 / 2), and 2^n
// written into the exponent bits. It is accurate to a few float32 ulps.
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
              let e = exponential(row[v] - peak[v])
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

  /// e^x in float32 to a few ulps; arguments below -87 (results near the smallest normal float)
  /// give 0, arguments above 88 are clamped to 88.
  @inline(__always)
  public static func exponential(_ x: Float) -> Float {
    let clamped = min(max(x, -87.0), 88.0)
    let roundingShift: Float = 12_582_912  // 1.5 * 2^23: adding it rounds to an integer
    let shifted = clamped * 1.442_695_04 + roundingShift
    let n = shifted - roundingShift
    // ln 2 split into a part with 16 significant bits (n * high is exact) and a correction.
    let r = (clamped - n * 0.693_145_75) - n * 1.428_606_8e-6
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // The low bits of `shifted` hold n in two's complement: (n + 127) << 23 is 2^n's bit pattern.
    let scale = Float(bitPattern: (shifted.bitPattern &+ 127) &<< 23)
    return x < -87.0 ? 0 : p * scale
  }
}
