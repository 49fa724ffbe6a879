// NEGATIVE CONTROL ONLY — never use for inference. The textbook one-pass instance norm in fp32:
// sequential fp32 sums of x and x^2, var = E[x^2] - E[x]^2. On large volumes with a large mean
// (case C27: 128^3 voxels ~ N(1000, 1)) the fp32 sums lose all the digits the variance lives in,
// so the result is off by ~0.1..1 or NaN. Tests use it to show that the C27 accuracy check really
// discriminates: this must fail it while `instanceNorm` passes.

import TensorCore

extension ReferenceOps {
  /// Deliberately inaccurate one-pass fp32 instance norm (negative control for case C27).
  public static func instanceNormOnePassFP32Naive(
    _ x: Tensor, gamma: Tensor?, beta: Tensor?, eps: Float
  ) throws -> Tensor {
    let layout = try InstanceNormLayout(x, gamma: gamma, beta: beta, eps: eps, op: "instance_norm(naive)")
    var output = x.data
    for plane in 0..<layout.planes {
      let channel = plane % layout.channels
      let range = plane * layout.planeSize..<(plane + 1) * layout.planeSize
      var sum: Float = 0
      var sumOfSquares: Float = 0
      for i in range {
        sum += x.data[i]
        sumOfSquares += x.data[i] * x.data[i]
      }
      let mean = sum / Float(layout.planeSize)
      let variance = sumOfSquares / Float(layout.planeSize) - mean * mean
      let scale = (gamma?.data[channel] ?? 1) / (variance + eps).squareRoot()
      let shift = beta?.data[channel] ?? 0
      for i in range {
        output[i] = (x.data[i] - mean) * scale + shift
      }
    }
    return Tensor(shape: x.shape, data: output, dtype: x.dtype)
  }
}
