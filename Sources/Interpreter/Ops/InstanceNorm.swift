// instance_norm: PyTorch's InstanceNorm3d without running statistics. For each sample n and
// channel c, mean and BIASED variance over all spatial voxels; then
//   y = (x - mean) / sqrt(var + eps) * gamma[c] + beta[c].
// Accuracy idea: two passes in Float64 (sum -> mean, then sum of squared deviations), and the
// normalisation itself in Float64 with one rounding to fp32. This stays exact to fp32 even for
// inputs like N(1000, 1) over 2M voxels, where the one-pass fp32 E[x^2] - E[x]^2 fails (case C27,
// see InstanceNormNaive.swift).

import TensorCore

extension ReferenceOps {
  /// Instance normalisation of `x` [N, C, spatial...] (rank >= 3) with optional per-channel
  /// `gamma` (scale) and `beta` (shift), both [C]; absent ones act as 1 and 0.
  public static func instanceNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float) throws -> Tensor {
    let layout = try InstanceNormLayout(x, gamma: gamma, beta: beta, eps: eps, op: "instance_norm")
    let count = x.count
    let planeSize = layout.planeSize
    let data = [Float](unsafeUninitializedCapacity: count) { outputBuffer, initialized in
      x.data.withUnsafeBufferPointer { input in
        guard let source = input.baseAddress, let destination = outputBuffer.baseAddress else { return }
        ParallelFor.run(layout.planes) { planes in
          for plane in planes {
            let channel = plane % layout.channels
            let statistics = planeStatistics(source + plane * planeSize, count: planeSize)
            let inverseStd = 1 / (statistics.variance + Double(eps)).squareRoot()
            let scale = Double(gamma?.data[channel] ?? 1) * inverseStd
            let shift = Double(beta?.data[channel] ?? 0)
            let mean = statistics.mean
            let x = source + plane * planeSize
            let y = destination + plane * planeSize
            for i in 0..<planeSize {
              y[i] = Float((Double(x[i]) - mean) * scale + shift)
            }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: x.shape, data: data, dtype: x.dtype)
  }

  /// Mean and biased variance of `count` values, two-pass in Float64 (four partial sums each,
  /// so the loops vectorise).
  static func planeStatistics(_ values: UnsafePointer<Float>, count: Int) -> (mean: Double, variance: Double) {
    let blocked = count & ~3
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = 0
    while i < blocked {
      s0 += Double(values[i])
      s1 += Double(values[i + 1])
      s2 += Double(values[i + 2])
      s3 += Double(values[i + 3])
      i += 4
    }
    while i < count {
      s0 += Double(values[i])
      i += 1
    }
    let mean = ((s0 + s1) + (s2 + s3)) / Double(count)
    var q0 = 0.0, q1 = 0.0, q2 = 0.0, q3 = 0.0
    i = 0
    while i < blocked {
      let d0 = Double(values[i]) - mean
      let d1 = Double(values[i + 1]) - mean
      let d2 = Double(values[i + 2]) - mean
      let d3 = Double(values[i + 3]) - mean
      q0 += d0 * d0
      q1 += d1 * d1
      q2 += d2 * d2
      q3 += d3 * d3
      i += 4
    }
    while i < count {
      let d = Double(values[i]) - mean
      q0 += d * d
      i += 1
    }
    return (mean, ((q0 + q1) + (q2 + q3)) / Double(count))
  }
}

/// Validated sizes shared by the accurate instance norm and its naive negative control.
struct InstanceNormLayout {
  let channels: Int
  let planes: Int
  let planeSize: Int

  init(_ x: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float, op: String) throws {
    guard x.rank >= 3 else {
      throw ReferenceOpError.rankMismatch(op: op, operand: "input", expectedRank: 5, shape: x.shape)
    }
    try ReferenceOps.requireValidShape(x.shape, op: op, operand: "input")
    let channels = x.shape[1]
    for (name, parameter) in [("gamma", gamma), ("beta", beta)] {
      if let parameter, parameter.shape != [channels] {
        throw ReferenceOpError.shapeMismatch(
          op: op, what: "\(name) must have one value per channel", expected: [channels], actual: parameter.shape)
      }
    }
    guard eps.isFinite, eps >= 0 else {
      throw ReferenceOpError.invalidAttribute(op: op, name: "eps", value: "\(eps)", reason: "must be finite and >= 0")
    }
    self.channels = channels
    planes = x.shape[0] * channels
    planeSize = ReferenceOps.product(x.shape, 2..<x.rank)
  }
}
