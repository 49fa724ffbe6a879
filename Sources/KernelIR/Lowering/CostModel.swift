// FLOP and byte estimates of a kernel, stored in its `cost`. FLOPs: 2 per multiply-accumulate
// of a convolution plus one per element for each epilogue step; element-wise kernels count their
// arithmetic per element. Bytes: every operand buffer read and every result written, once, in its
// layout (the compulsory traffic; padding lanes included).

import GraphIR

enum CostModel {
  /// `index` is the program's `bufferIndex`.
  static func estimate(_ kernel: Kernel, in program: KernelProgram, index: [String: Int]) throws
    -> (flops: Int, bytes: Int)
  {
    func bytes(_ name: String) -> Int { index[name].map { program.buffers[$0].byteCount } ?? 0 }
    func elements(_ name: String?) -> Int {
      name.flatMap { index[$0] }.flatMap { program.buffers[$0].type.elementCount } ?? 0
    }
    // Saturating arithmetic: a figure too large for Int reads Int.max, never a wrapped value.
    func times(_ a: Int, _ b: Int) -> Int { SaturatingSize.multiply(a, b) }
    let moved = SaturatingSize.sum((kernel.readBuffers + kernel.writtenBuffers).map(bytes))
    let outputElements = elements(kernel.output("output"))
    var flops = 0
    switch kernel.kind {
    case .conv3dFirst, .conv3dDirect, .conv3dPointwise:
      let geometry = try ConvolutionDescriptor(
        kernel, in: program, bufferIndex: index, location: "kernel \(kernel.kind.rawValue)")
      var epilogue = 0
      if kernel.input("bias") != nil { epilogue += 1 }
      if kernel.input("residual") != nil { epilogue += 1 }
      if kernel.attributes["slope"] != nil { epilogue += 2 }
      if kernel.output("stats") != nil { epilogue += 3 }
      flops = SaturatingSize.add(times(2, geometry.multiplyAccumulates), times(epilogue, outputElements))
    case .normAct:
      var perElement = 2
      if kernel.input("residual") != nil { perElement += 1 }
      if kernel.attributes["slope"] != nil { perElement += 2 }
      flops = times(perElement, outputElements)
    case .channelStats:
      flops = times(3, elements(kernel.input("input")))
    case .add:
      flops = times(kernel.attributes["slope"] != nil ? 3 : 1, outputElements)
    case .leakyRelu:
      flops = times(2, outputElements)
    case .softmax:
      flops = times(4, outputElements)
    case .argmax:
      flops = elements(kernel.input("input"))
    case .upsampleNearest, .concat, .copy:
      flops = 0
    }
    return (flops, moved)
  }
}
