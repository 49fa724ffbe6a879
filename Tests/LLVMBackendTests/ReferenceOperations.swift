// Straightforward fp64 reference implementations (plain NCDHW, batch 1) that the JIT kernels are
// checked against: direct convolution, instance norm + affine + LeakyReLU (+ residual).
import LLVMBackend

enum Reference {
  /// y[oc, od, oh, ow] = bias[oc] + sum over ic, kd, kh, kw of w[oc, ic, kd, kh, kw] * x[ic, id, ih, iw]
  /// with id = od * sd - pd + kd (zero outside the input), accumulated in Double.
  static func convolution(
    input: [Float], inputChannels: Int, extent: Extent3, weights: [Float], bias: [Float]?, outputChannels: Int,
    kernel: Extent3, stride: Extent3, padding: Extent3
  ) -> (output: [Float], extent: Extent3) {
    let out = Extent3(
      (extent.depth + 2 * padding.depth - kernel.depth) / stride.depth + 1,
      (extent.height + 2 * padding.height - kernel.height) / stride.height + 1,
      (extent.width + 2 * padding.width - kernel.width) / stride.width + 1)
    var output = [Float](repeating: 0, count: outputChannels * out.voxelCount)
    for oc in 0..<outputChannels {
      for od in 0..<out.depth {
        for oh in 0..<out.height {
          for ow in 0..<out.width {
            var sum = Double(bias?[oc] ?? 0)
            for ic in 0..<inputChannels {
              for kd in 0..<kernel.depth {
                let id = od * stride.depth - padding.depth + kd
                guard id >= 0 && id < extent.depth else { continue }
                for kh in 0..<kernel.height {
                  let ih = oh * stride.height - padding.height + kh
                  guard ih >= 0 && ih < extent.height else { continue }
                  for kw in 0..<kernel.width {
                    let iw = ow * stride.width - padding.width + kw
                    guard iw >= 0 && iw < extent.width else { continue }
                    let w = weights[(((oc * inputChannels + ic) * kernel.depth + kd) * kernel.height + kh) * kernel.width + kw]
                    let x = input[((ic * extent.depth + id) * extent.height + ih) * extent.width + iw]
                    sum += Double(w) * Double(x)
                  }
                }
              }
            }
            output[((oc * out.depth + od) * out.height + oh) * out.width + ow] = Float(sum)
          }
        }
      }
    }
    return (output, out)
  }

  /// Per-channel mean and biased variance in Double (two passes).
  static func channelMoments(_ x: [Float], channels: Int, voxels: Int) -> [(mean: Double, variance: Double)] {
    (0..<channels).map { c in
      let slice = x[(c * voxels)..<((c + 1) * voxels)]
      let mean = slice.reduce(0.0) { $0 + Double($1) } / Double(voxels)
      let variance = slice.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(voxels)
      return (mean, variance)
    }
  }

  /// LeakyReLU(gamma * (x - mean) / sqrt(var + eps) + beta [+ residual]).
  static func normalizeActivate(
    _ x: [Float], channels: Int, voxels: Int, gamma: [Float], beta: [Float], residual: [Float]?,
    slope: Double = 0.01, epsilon: Double = 1e-5, activate: Bool = true
  ) -> [Float] {
    let moments = channelMoments(x, channels: channels, voxels: voxels)
    var y = [Float](repeating: 0, count: x.count)
    for c in 0..<channels {
      let inverse = 1 / (moments[c].variance + epsilon).squareRoot()
      for v in 0..<voxels {
        let index = c * voxels + v
        var value = Double(gamma[c]) * (Double(x[index]) - moments[c].mean) * inverse + Double(beta[c])
        if let residual { value += Double(residual[index]) }
        if activate && value < 0 { value *= slope }
        y[index] = Float(value)
      }
    }
    return y
  }
}
