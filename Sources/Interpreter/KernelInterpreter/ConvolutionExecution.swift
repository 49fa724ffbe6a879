// Runs conv3d_first / conv3d_direct / conv3d_1x1 kernels with straightforward loops: the inputs
// are read as one channel-concatenated tensor (each through the `upsample` prologue if present),
// the weights straight from their packed buffer (WeightPacking's indexer), fp32 multiply-adds in a
// fixed order (input channel, tap, row), then bias, residual and LeakyReLU. Everything is read
// before anything is written, so a 1x1 conv planned in place over an input gives the same bits.
// The `stats` output gets the statistics partials of the values written (StatisticsPartials).

import GraphIR
import KernelIR
import TensorCore

enum ConvolutionExecution {
  static func run(_ kernel: Kernel, program: KernelProgram, memory: KernelMemory) throws {
    let geometry = try ConvolutionDescriptor(kernel, in: program, location: "kernel \(kernel.kind.rawValue)")
    let inputs = try kernel.inputs("input").map { try BufferAccess.read(try memory.address($0)) }
    guard let weightName = kernel.input("weight"), let weightBuffer = program.buffer(named: weightName),
      case .packedConvWeight(let inputBlock, let outputBlock) = weightBuffer.layout
    else { throw KernelInterpreterError.unsupported("convolution weight must be packed OIDHW") }
    let indexer = try WeightPacking.ConvolutionWeightIndexer(
      shape: weightBuffer.type.shape, inputBlock: inputBlock, outputBlock: outputBlock, segments: weightBuffer.segments)
    let packed = try memory.address(weightName).storage.assumingMemoryBound(to: Float.self)
    let bias = try kernel.input("bias").map { BufferAccess.vector(try memory.address($0), count: geometry.outputChannels) }
    let residual = try kernel.input("residual").map { try BufferAccess.read(try memory.address($0)) }
    let slope = kernel.float("slope").map(Float.init)

    let (batch, outputChannels) = (geometry.batch, geometry.outputChannels)
    let (od, oh, ow) = (geometry.outputSize[0], geometry.outputSize[1], geometry.outputSize[2])
    let (sd, sh, sw) = (geometry.storedInputSize[0], geometry.storedInputSize[1], geometry.storedInputSize[2])
    let (ud, uh, uw) = (geometry.upsample[0], geometry.upsample[1], geometry.upsample[2])
    let (kd, kh, kw) = (geometry.kernelSize[0], geometry.kernelSize[1], geometry.kernelSize[2])
    let (ld, lh, lw) = (sd * ud, sh * uh, sw * uw)
    let stride = geometry.stride
    let padding = geometry.padding
    let outputVoxels = od * oh * ow
    // Rows read contiguously (stride 1, no upsampling along W): a loop the compiler vectorises.
    let unitRow = stride[2] == 1 && uw == 1
    let inputVoxels = sd * sh * sw
    var output = [Float](repeating: 0, count: batch * outputChannels * outputVoxels)

    // Input channel ic of the concatenation: which input and which channel in it.
    var source: [(input: Int, channel: Int)] = []
    for (position, channels) in geometry.inputChannels.enumerated() {
      for channel in 0..<channels { source.append((position, channel)) }
    }
    output.withUnsafeMutableBufferPointer { outputPointer in
      guard let out = outputPointer.baseAddress else { return }
      for n in 0..<batch {
        ParallelFor.run(outputChannels) { channels in
          for oc in channels {
            let plane = out + (n * outputChannels + oc) * outputVoxels
            for (ic, (input, channel)) in source.enumerated() {
              inputs[input].withUnsafeBufferPointer { values in
                guard let base = values.baseAddress else { return }
                let inputPlane = base + (n * geometry.inputChannels[input] + channel) * inputVoxels
                for a in 0..<kd {
                  for b in 0..<kh {
                    for c in 0..<kw {
                      let weight = packed[indexer.index(output: oc, input: ic, tap: (a * kh + b) * kw + c)]
                      let (first, end) = validRange(kernel: c, stride: stride[2], pad: padding[4], input: lw, output: ow)
                      guard first < end else { continue }
                      for z in 0..<od {
                        let iz = z * stride[0] + a - padding[0]
                        guard iz >= 0 && iz < ld else { continue }
                        for y in 0..<oh {
                          let iy = y * stride[1] + b - padding[2]
                          guard iy >= 0 && iy < lh else { continue }
                          let row = inputPlane + ((iz / ud) * sh + iy / uh) * sw
                          let target = plane + (z * oh + y) * ow
                          if unitRow {
                            let shifted = row + (c - padding[4])
                            for x in first..<end { target[x] += weight * shifted[x] }
                          } else {
                            for x in first..<end {
                              target[x] += weight * row[(x * stride[2] + c - padding[4]) / uw]
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
            for voxel in 0..<outputVoxels {
              var value = plane[voxel]
              if let bias { value += bias[oc] }
              if let residual { value += residual[(n * outputChannels + oc) * outputVoxels + voxel] }
              if let slope { value = value > 0 ? value : value * slope }
              plane[voxel] = value
            }
          }
        }
      }
    }
    guard let outputName = kernel.output("output") else { return }
    try BufferAccess.write(output, to: try memory.address(outputName))
    if let statsName = kernel.output("stats") {
      let parts = kernel.int("stat_parts") ?? 1
      let partials = StatisticsPartials.compute(output, shape: geometry.outputShape, parts: parts)
      try BufferAccess.write(partials, to: try memory.address(statsName))
    }
  }

  /// Output positions x with 0 <= x * stride + k - pad < input (half-open).
  @inline(__always)
  static func validRange(kernel k: Int, stride: Int, pad: Int, input: Int, output: Int) -> (Int, Int) {
    // x * stride >= pad - k  and  x * stride <= input - 1 + pad - k
    let low = pad - k
    let first = low <= 0 ? 0 : (low + stride - 1) / stride
    let high = input - 1 + pad - k
    let end = high < 0 ? 0 : min(output, high / stride + 1)
    return (first, max(first, end))
  }
}
