// The slow, obviously correct convolution used by tests to check `conv3d`: a direct loop over
// every output voxel and every kernel tap, multiplying and summing in Float64, then rounding the
// result to fp32 once. Same operands, attributes and errors as `conv3d`.

import TensorCore

extension ReferenceOps {
  /// Direct 3-D convolution with fp64 accumulation (O(N*OC*IC*kd*kh*kw*OD*OH*OW); small inputs only).
  public static func conv3dDirectReference(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int]
  ) throws -> Tensor {
    let g = try ConvolutionGeometry(
      input: x.shape, weight: weight.shape, bias: bias?.shape, stride: stride, padding: padding)
    var result = [Float](repeating: 0, count: g.batch * g.outputChannels * g.outputVoxels)
    let input = x.data
    let w = weight.data
    let biasValues = bias?.data
    var outputIndex = 0
    for n in 0..<g.batch {
      for oc in 0..<g.outputChannels {
        for od in 0..<g.output.d {
          for oh in 0..<g.output.h {
            for ow in 0..<g.output.w {
              var sum = Double(biasValues?[oc] ?? 0)
              for ic in 0..<g.inputChannels {
                for kz in 0..<g.kernel.d {
                  let iz = od * g.stride.d - g.padBefore.d + kz
                  if iz < 0 || iz >= g.input.d { continue }
                  for ky in 0..<g.kernel.h {
                    let iy = oh * g.stride.h - g.padBefore.h + ky
                    if iy < 0 || iy >= g.input.h { continue }
                    for kx in 0..<g.kernel.w {
                      let ix = ow * g.stride.w - g.padBefore.w + kx
                      if ix < 0 || ix >= g.input.w { continue }
                      let inputIndex = (((n * g.inputChannels + ic) * g.input.d + iz) * g.input.h + iy) * g.input.w + ix
                      let weightIndex = (((oc * g.inputChannels + ic) * g.kernel.d + kz) * g.kernel.h + ky) * g.kernel.w + kx
                      sum += Double(input[inputIndex]) * Double(w[weightIndex])
                    }
                  }
                }
              }
              result[outputIndex] = Float(sum)
              outputIndex += 1
            }
          }
        }
      }
    }
    return Tensor(shape: g.outputShape, data: result)
  }
}
