// upsample_nearest: nearest-neighbour upsampling by an integer factor per spatial axis, as
// F.interpolate(mode="nearest", scale_factor=s) for integer s: output[i] = input[i / s] on every
// spatial axis. Pure copies, so it is exact. Idea: expand the innermost axis of each input row
// once, then duplicate whole expanded rows/planes s times on the outer axes.

import TensorCore

extension ReferenceOps {
  /// Upsamples `x` [N, C, spatial...] by `scale` (one integer >= 1 per spatial axis).
  public static func upsampleNearest(_ x: Tensor, scale: [Int]) throws -> Tensor {
    let op = "upsample_nearest"
    try requireShape(x.shape, rank: scale.count + 2, op: op, operand: "input")
    guard !scale.isEmpty, scale.allSatisfy({ $0 >= 1 }) else {
      throw ReferenceOpError.invalidAttribute(
        op: op, name: "scale", value: "\(scale)", reason: "needs one integer >= 1 per spatial axis")
    }
    let inputSpatial = Array(x.shape[2...])
    let outputSpatial = zip(inputSpatial, scale).map { $0 * $1 }
    let outputShape = Array(x.shape[0..<2]) + outputSpatial
    guard let count = Tensor.checkedElementCount(outputShape) else {
      throw ReferenceOpError.invalidShape(
        op: op, operand: "output", shape: outputShape, reason: "element count overflows 64 bits")
    }
    let planes = x.shape[0] * x.shape[1]
    let inputPlane = inputSpatial.reduce(1, *)
    let outputPlane = outputSpatial.reduce(1, *)
    let data = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      x.data.withUnsafeBufferPointer { input in
        guard let source = input.baseAddress, let destination = output.baseAddress else { return }
        ParallelFor.run(planes) { range in
          for plane in range {
            expand(
              axis: 0, inputSizes: inputSpatial, outputSizes: outputSpatial, scale: scale,
              source: source + plane * inputPlane, destination: destination + plane * outputPlane)
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: outputShape, data: data, dtype: x.dtype)
  }

  /// Writes the upsampled block of spatial axes `axis...` from `source` to `destination`.
  private static func expand(
    axis: Int, inputSizes: [Int], outputSizes: [Int], scale: [Int],
    source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>
  ) {
    let last = inputSizes.count - 1
    if axis == last {
      let factor = scale[axis]
      for o in 0..<outputSizes[axis] { destination[o] = source[o / factor] }
      return
    }
    let inputBlock = inputSizes[(axis + 1)...].reduce(1, *)
    let outputBlock = outputSizes[(axis + 1)...].reduce(1, *)
    let factor = scale[axis]
    for i in 0..<inputSizes[axis] {
      let first = destination + i * factor * outputBlock
      expand(
        axis: axis + 1, inputSizes: inputSizes, outputSizes: outputSizes, scale: scale,
        source: source + i * inputBlock, destination: first)
      for copy in 1..<factor {
        (first + copy * outputBlock).update(from: first, count: outputBlock)
      }
    }
  }
}
