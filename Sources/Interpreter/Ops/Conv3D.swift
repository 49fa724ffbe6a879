// conv3d: the public entry point of the reference 3-D convolution (cross-correlation, as in
// PyTorch's nn.Conv3d, groups = 1, dilation = 1). It validates the operands and dispatches:
// 1x1x1 stride-1 convolutions to a pointwise kernel with a fixed per-voxel summation order,
// everything else to im2col panels multiplied by OpenBLAS (Conv3DIm2col.swift).

import TensorCore

extension ReferenceOps {
  /// Precision of the dot products of the GEMM-based convolution.
  public enum ConvAccumulation: Sendable {
    /// cblas_sgemm: fp32 products and sums (fast; ~1e-6 relative error for STU-Net's sizes).
    case float32
    /// cblas_dgemm on fp64 copies of the operands, rounded to fp32 once at the end.
    case float64
  }

  /// 3-D convolution of `x` [N, IC, D, H, W] with `weight` [OC, IC, kd, kh, kw] and optional
  /// `bias` [OC]. `stride` has 3 values (D, H, W); `padding` has 6: D before, D after, H before,
  /// H after, W before, W after; padding is zeros. Output [N, OC, OD, OH, OW] with
  /// O = floor((n + p0 + p1 - k) / s) + 1 per axis.
  ///
  /// 1x1x1 convolutions with stride 1 and no padding compute every output voxel with the same
  /// instruction sequence (sum over input channels in ascending order, fp32, no FMA), so the result
  /// of a voxel never depends on where it sits: `conv1x1(upsample(x)) == upsample(conv1x1(x))`
  /// bit for bit. All other convolutions use im2col + GEMM with the requested `accumulation`.
  public static func conv3d(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int],
    accumulation: ConvAccumulation = .float32
  ) throws -> Tensor {
    let geometry = try ConvolutionGeometry(
      input: x.shape, weight: weight.shape, bias: bias?.shape, stride: stride, padding: padding)
    let outputCount = geometry.batch * geometry.outputChannels * geometry.outputVoxels
    let data = [Float](unsafeUninitializedCapacity: outputCount) { outputBuffer, initialized in
      x.data.withUnsafeBufferPointer { input in
        weight.data.withUnsafeBufferPointer { weights in
          withOptionalBuffer(bias?.data) { biasValues in
            let output = UnsafeMutableBufferPointer(rebasing: outputBuffer[0..<outputCount])
            if geometry.isPointwise {
              PointwiseConvolution.run(geometry, input: input, weights: weights, bias: biasValues, output: output)
            } else {
              switch accumulation {
              case .float32:
                Im2colConvolution.runFloat32(geometry, input: input, weights: weights, bias: biasValues, output: output)
              case .float64:
                Im2colConvolution.runFloat64(geometry, input: input, weights: weights, bias: biasValues, output: output)
              }
            }
          }
        }
      }
      initialized = outputCount
    }
    return Tensor(shape: geometry.outputShape, data: data)
  }

  /// The output shape `conv3d` produces for these operand shapes and attributes (or the error it throws).
  public static func conv3dOutputShape(
    input: [Int], weight: [Int], bias: [Int]?, stride: [Int], padding: [Int]
  ) throws -> [Int] {
    try ConvolutionGeometry(input: input, weight: weight, bias: bias, stride: stride, padding: padding).outputShape
  }

  /// Multiply-accumulates of `conv3d` for these shapes (for GFLOP/s reports: FLOPs = 2 x MACs).
  public static func conv3dMultiplyAccumulates(
    input: [Int], weight: [Int], stride: [Int], padding: [Int]
  ) throws -> Int {
    try ConvolutionGeometry(input: input, weight: weight, bias: nil, stride: stride, padding: padding).multiplyAccumulates
  }

  /// Runs `body` with a buffer over `values`, or with nil.
  static func withOptionalBuffer<Result>(
    _ values: [Float]?, _ body: (UnsafeBufferPointer<Float>?) -> Result
  ) -> Result {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0) }
  }
}
