// The validated geometry of one 3-D convolution: sizes, kernel, per-axis stride and the six
// before/after paddings, plus the output size per axis, floor((n + p0 + p1 - k) / s) + 1.
// Every conv3d implementation (GEMM, pointwise, direct fp64) starts from this one check.

import TensorCore

struct ConvolutionGeometry {
  let batch: Int
  let inputChannels: Int
  let outputChannels: Int
  /// Input spatial sizes (D, H, W).
  let input: (d: Int, h: Int, w: Int)
  /// Kernel sizes (kd, kh, kw).
  let kernel: (d: Int, h: Int, w: Int)
  let stride: (d: Int, h: Int, w: Int)
  /// Padding before each axis (the "after" paddings only influence the output size).
  let padBefore: (d: Int, h: Int, w: Int)
  let output: (d: Int, h: Int, w: Int)

  var inputVoxels: Int { input.d * input.h * input.w }
  var outputVoxels: Int { output.d * output.h * output.w }
  var kernelVolume: Int { kernel.d * kernel.h * kernel.w }
  /// Length of one output voxel's dot product: IC * kd * kh * kw.
  var reductionLength: Int { inputChannels * kernelVolume }
  var outputShape: [Int] { [batch, outputChannels, output.d, output.h, output.w] }
  /// Multiply-accumulates of the whole convolution.
  var multiplyAccumulates: Int { batch * outputChannels * outputVoxels * reductionLength }

  var isPointwise: Bool {
    kernel == (1, 1, 1) && stride == (1, 1, 1) && padBefore == (0, 0, 0) && output == input
  }

  /// Validates shapes and attributes of `conv3d` and derives the output size.
  init(input x: [Int], weight: [Int], bias: [Int]?, stride: [Int], padding: [Int]) throws {
    let op = "conv3d"
    try ReferenceOps.requireShape(x, rank: 5, op: op, operand: "input")
    try ReferenceOps.requireShape(weight, rank: 5, op: op, operand: "weight")
    guard weight[1] == x[1] else {
      throw ReferenceOpError.shapeMismatch(
        op: op, what: "weight input channels (weight[1]) vs input channels (input[1])",
        expected: [x[1]], actual: [weight[1]])
    }
    if let bias, bias != [weight[0]] {
      throw ReferenceOpError.shapeMismatch(
        op: op, what: "bias shape must be [output channels]", expected: [weight[0]], actual: bias)
    }
    guard stride.count == 3, stride.allSatisfy({ $0 >= 1 }) else {
      throw ReferenceOpError.invalidAttribute(
        op: op, name: "stride", value: "\(stride)", reason: "needs 3 values (D, H, W), each >= 1")
    }
    guard padding.count == 6, padding.allSatisfy({ $0 >= 0 }) else {
      throw ReferenceOpError.invalidAttribute(
        op: op, name: "padding", value: "\(padding)",
        reason: "needs 6 non-negative values (D before, D after, H before, H after, W before, W after)")
    }
    var outputSizes = [Int]()
    for axis in 0..<3 {
      let padded = x[2 + axis] + padding[2 * axis] + padding[2 * axis + 1]
      guard padded >= weight[2 + axis] else {
        throw ReferenceOpError.invalidAttribute(
          op: op, name: "kernel", value: "\(Array(weight[2...]))",
          reason: "kernel size \(weight[2 + axis]) on spatial axis \(axis) exceeds the padded input size \(padded) (input \(Array(x[2...])), padding \(padding))")
      }
      outputSizes.append((padded - weight[2 + axis]) / stride[axis] + 1)
    }
    batch = x[0]
    inputChannels = x[1]
    outputChannels = weight[0]
    input = (x[2], x[3], x[4])
    kernel = (weight[2], weight[3], weight[4])
    self.stride = (stride[0], stride[1], stride[2])
    padBefore = (padding[0], padding[2], padding[4])
    output = (outputSizes[0], outputSizes[1], outputSizes[2])
    let mac = [batch, outputChannels, outputSizes[0], outputSizes[1], outputSizes[2], inputChannels, kernel.d, kernel.h, kernel.w]
    guard Tensor.checkedElementCount(mac) != nil else {
      throw ReferenceOpError.invalidShape(
        op: op, operand: "input", shape: x, reason: "the convolution's size overflows 64-bit arithmetic")
    }
    // The BLAS interface takes 32-bit sizes: one sample's output plane per channel and one
    // voxel's reduction length must fit.
    guard outputVoxels <= Int(Int32.max), reductionLength <= Int(Int32.max), outputChannels <= Int(Int32.max) else {
      throw ReferenceOpError.invalidShape(
        op: op, operand: "input", shape: x,
        reason: "output voxels per channel (\(outputVoxels)) or IC*kd*kh*kw (\(reductionLength)) exceeds 2^31-1; split the volume into tiles")
    }
  }

  /// Output positions `o` along one axis whose input index `o * stride - padBefore + k` lies in
  /// `0..<inputSize`, as a half-open range clamped to `0..<outputSize`.
  static func validOutputRange(
    kernelOffset k: Int, stride s: Int, padBefore p: Int, inputSize n: Int, outputSize: Int
  ) -> Range<Int> {
    // index >= 0  <=>  o >= ceil((p - k) / s)
    let lowNumerator = p - k
    let low = lowNumerator <= 0 ? 0 : (lowNumerator + s - 1) / s
    // index <= n - 1  <=>  o <= floor((n - 1 + p - k) / s)
    let highNumerator = n - 1 + p - k
    let high = highNumerator < 0 ? 0 : highNumerator / s + 1
    let clampedLow = min(low, outputSize)
    return clampedLow..<max(clampedLow, min(high, outputSize))
  }
}
