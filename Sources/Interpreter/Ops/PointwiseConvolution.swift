// The 1x1x1, stride-1 convolution: for every voxel, out[oc] = bias[oc] + sum over ic (ascending)
// of w[oc, ic] * x[ic], in fp32 with separate multiply and add. Every voxel goes through exactly
// the same sequence of operations (SIMD lanes and the scalar tail compute identically), so the
// value of a voxel never depends on its position or on the tensor's size. That makes nearest
// upsampling and this convolution commute bit for bit, which the optimizer's rewrite relies on.
// Register blocking: 4 output channels x 8 voxels (SIMD8) per inner loop over input channels.

import TensorCore

enum PointwiseConvolution {
  static let voxelsPerTask = 1024
  static let lanes = 8
  static let channelBlock = 4

  static func run(
    _ g: ConvolutionGeometry, input: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
    bias: UnsafeBufferPointer<Float>?, output: UnsafeMutableBufferPointer<Float>
  ) {
    guard let x = input.baseAddress, let w = weights.baseAddress, let out = output.baseAddress else { return }
    let voxels = g.inputVoxels
    let blocksPerSample = (voxels + voxelsPerTask - 1) / voxelsPerTask
    let biasBase = bias?.baseAddress
    ParallelFor.run(g.batch * blocksPerSample) { tasks in
      for task in tasks {
        let n = task / blocksPerSample
        let start = (task % blocksPerSample) * voxelsPerTask
        let end = min(start + voxelsPerTask, voxels)
        computeBlock(
          g, x: x + n * g.inputChannels * voxels, w: w, bias: biasBase,
          out: out + n * g.outputChannels * voxels, voxels: voxels, range: start..<end)
      }
    }
  }

  /// Computes all output channels for the voxels in `range` of one sample.
  private static func computeBlock(
    _ g: ConvolutionGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    out: UnsafeMutablePointer<Float>, voxels: Int, range: Range<Int>
  ) {
    let ic = g.inputChannels
    let oc = g.outputChannels
    let vectorEnd = range.lowerBound + (range.count / lanes) * lanes
    var v = range.lowerBound
    while v < vectorEnd {
      var o = 0
      while o + channelBlock <= oc {
        var acc0 = SIMD8<Float>(repeating: bias?[o] ?? 0)
        var acc1 = SIMD8<Float>(repeating: bias?[o + 1] ?? 0)
        var acc2 = SIMD8<Float>(repeating: bias?[o + 2] ?? 0)
        var acc3 = SIMD8<Float>(repeating: bias?[o + 3] ?? 0)
        let w0 = w + o * ic
        let w1 = w0 + ic
        let w2 = w1 + ic
        let w3 = w2 + ic
        for c in 0..<ic {
          let xv = UnsafeRawPointer(x + c * voxels + v).loadUnaligned(as: SIMD8<Float>.self)
          acc0 = acc0 + SIMD8(repeating: w0[c]) * xv
          acc1 = acc1 + SIMD8(repeating: w1[c]) * xv
          acc2 = acc2 + SIMD8(repeating: w2[c]) * xv
          acc3 = acc3 + SIMD8(repeating: w3[c]) * xv
        }
        UnsafeMutableRawPointer(out + o * voxels + v).storeBytes(of: acc0, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + (o + 1) * voxels + v).storeBytes(of: acc1, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + (o + 2) * voxels + v).storeBytes(of: acc2, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(out + (o + 3) * voxels + v).storeBytes(of: acc3, as: SIMD8<Float>.self)
        o += channelBlock
      }
      while o < oc {
        var acc = SIMD8<Float>(repeating: bias?[o] ?? 0)
        let wo = w + o * ic
        for c in 0..<ic {
          let xv = UnsafeRawPointer(x + c * voxels + v).loadUnaligned(as: SIMD8<Float>.self)
          acc = acc + SIMD8(repeating: wo[c]) * xv
        }
        UnsafeMutableRawPointer(out + o * voxels + v).storeBytes(of: acc, as: SIMD8<Float>.self)
        o += 1
      }
      v += lanes
    }
    // Scalar tail: the same operations, one lane at a time.
    while v < range.upperBound {
      for o in 0..<oc {
        var acc: Float = bias?[o] ?? 0
        let wo = w + o * ic
        for c in 0..<ic {
          acc = acc + wo[c] * x[c * voxels + v]
        }
        out[o * voxels + v] = acc
      }
      v += 1
    }
  }
}
