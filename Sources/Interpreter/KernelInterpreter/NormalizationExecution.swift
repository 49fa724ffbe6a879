// Runs channel_stats (statistics partials of a buffer) and norm_act: per sample and channel the
// partials merge into mean and biased variance (StatisticsPartials.merge, fp64), then
//   y = (x - mean) * (gamma / sqrt(var + eps)) + beta [+ residual], then LeakyReLU if `slope`,
// in fp32 per element. All inputs are read before the output is written, so running in place
// over the input or the residual gives the same bits.

import GraphIR
import KernelIR
import TensorCore

enum NormalizationExecution {
  static func statistics(_ kernel: Kernel, memory: KernelMemory) throws {
    guard let inputName = kernel.input("input"), let statsName = kernel.output("stats") else { return }
    let input = try memory.address(inputName)
    let values = try BufferAccess.read(input)
    let partials = StatisticsPartials.compute(values, shape: input.type.shape, parts: kernel.int("stat_parts") ?? 1)
    try BufferAccess.write(partials, to: try memory.address(statsName))
  }

  static func normAct(_ kernel: Kernel, memory: KernelMemory) throws {
    guard let inputName = kernel.input("input"), let statsName = kernel.input("stats"),
      let outputName = kernel.output("output")
    else { return }
    let input = try memory.address(inputName)
    let shape = input.type.shape
    let (batch, channels) = (shape[0], shape[1])
    let plane = shape.dropFirst(2).reduce(1, *)
    var values = try BufferAccess.read(input)
    let partials = try BufferAccess.read(try memory.address(statsName))
    let parts = try memory.address(statsName).type.shape[2]
    let gamma = try kernel.input("gamma").map { BufferAccess.vector(try memory.address($0), count: channels) }
    let beta = try kernel.input("beta").map { BufferAccess.vector(try memory.address($0), count: channels) }
    let residual = try kernel.input("residual").map { try BufferAccess.read(try memory.address($0)) }
    let eps = kernel.float("eps") ?? 1e-5
    let slope = kernel.float("slope").map(Float.init)
    values.withUnsafeMutableBufferPointer { buffer in
      partials.withUnsafeBufferPointer { stats in
        guard let data = buffer.baseAddress, let statsBase = stats.baseAddress else { return }
        ParallelFor.run(batch * channels) { planes in
          for planeIndex in planes {
            let channel = planeIndex % channels
            let merged = StatisticsPartials.merge(statsBase + planeIndex * parts * 3, parts: parts)
            let scale = Float(Double(gamma?[channel] ?? 1) / (merged.variance + eps).squareRoot())
            let shift = beta?[channel] ?? 0
            let mean = Float(merged.mean)
            let values = data + planeIndex * plane
            for i in 0..<plane {
              var y = (values[i] - mean) * scale + shift
              if let residual { y += residual[planeIndex * plane + i] }
              if let slope { y = y > 0 ? y : y * slope }
              values[i] = y
            }
          }
        }
      }
    }
    try BufferAccess.write(values, to: try memory.address(outputName))
  }
}
