// Per-kind shape and layout rules of kernels, used by the verifier: what each kind's operands
// must look like relative to each other (the Kernel IR counterpart of Graph IR shape inference).

import GraphIR

enum KernelShapeRules {
  static func verify(_ kernel: Kernel, _ program: KernelProgram, _ index: [String: Int], location: String) throws {
    func fail(_ message: String) -> KernelIRError { KernelIRError(.shape, at: location, message) }
    func buffer(_ name: String?) throws -> KernelBuffer {
      guard let name, let position = index[name] else { throw fail("missing operand") }
      return program.buffers[position]
    }
    func checkStats(_ name: String?, batch: Int, channels: Int, partitionedAxis: Int) throws {
      let stats = try buffer(name)
      guard let parts = kernel.int("stat_parts") else {
        throw KernelIRError(.attribute, at: location, "a statistics operand needs 'stat_parts'")
      }
      guard parts <= max(partitionedAxis, 1) else {
        throw KernelIRError(.attribute, at: location, "'stat_parts' = \(parts) exceeds the \(partitionedAxis) slices of the first spatial axis")
      }
      guard stats.type == TensorType(.f32, [batch, channels, parts, 3]), stats.layout == .rowMajor,
        stats.kind.ownsArenaStorage
      else { throw fail("statistics %\(stats.name) must be an arena f32[\(batch),\(channels),\(parts),3] NCDHW buffer, got \(stats.type)") }
    }
    func checkVector(_ name: String?, channels: Int) throws {
      guard let name else { return }
      let vector = try buffer(name)
      guard vector.type.shape == [channels] else {
        throw fail("@\(vector.name) must have shape [\(channels)], got \(vector.type)")
      }
    }

    switch kernel.kind {
    case .conv3dFirst, .conv3dDirect, .conv3dPointwise:
      let geometry = try ConvolutionDescriptor(kernel, in: program, bufferIndex: index, location: location)
      let inputs = try kernel.inputs("input").map { try buffer($0) }
      let output = try buffer(kernel.output("output"))
      guard output.type.shape == geometry.outputShape else {
        throw fail("output %\(output.name) is \(output.type), the convolution gives \(geometry.outputShape)")
      }
      let inputLayout = inputs[0].layout
      guard inputs.allSatisfy({ $0.layout == inputLayout }), let inputBlock = inputLayout.channelBlock else {
        throw fail("all inputs of a convolution must share one activation layout")
      }
      let weight = try buffer(kernel.input("weight"))
      guard case .packedConvWeight(let weightInputBlock, _) = weight.layout, weightInputBlock == inputBlock else {
        throw KernelIRError(
          .layout, at: location,
          "weight @\(weight.name) must be packed OIDHW with input block \(inputBlock) to match the inputs' \(inputLayout.name(rank: 5))")
      }
      let segments = weight.segments ?? [geometry.totalInputChannels]
      guard segments == geometry.inputChannels else {
        throw fail("weight @\(weight.name) is packed for input segments \(segments), the inputs have \(geometry.inputChannels)")
      }
      if kernel.kind == .conv3dPointwise, !geometry.isPointwise {
        throw fail("conv3d_1x1 needs a 1x1x1 kernel, the weight has \(geometry.kernelSize)")
      }
      if kernel.kind != .conv3dPointwise, kernel.attributes["upsample"] != nil {
        throw KernelIRError(.attribute, at: location, "only conv3d_1x1 reads its input through 'upsample'")
      }
      if kernel.kind == .conv3dFirst, inputLayout != .rowMajor {
        throw KernelIRError(.layout, at: location, "conv3d_first reads NCDHW input; use conv3d_direct for blocked input")
      }
      try checkVector(kernel.input("bias"), channels: geometry.outputChannels)
      if let residual = kernel.input("residual") {
        guard try buffer(residual).type == output.type else { throw fail("residual %\(residual) must be \(output.type)") }
      }
      if kernel.output("stats") != nil {
        try checkStats(
          kernel.output("stats"), batch: geometry.batch, channels: geometry.outputChannels,
          partitionedAxis: geometry.outputSize[0])
      }
    case .channelStats:
      let input = try buffer(kernel.input("input"))
      guard input.type.rank >= 3 else { throw fail("statistics need [N, C, spatial...], got \(input.type)") }
      try checkStats(
        kernel.output("stats"), batch: input.type.shape[0], channels: input.type.shape[1],
        partitionedAxis: input.type.shape[2])
    case .normAct:
      let input = try buffer(kernel.input("input"))
      let output = try buffer(kernel.output("output"))
      guard input.type.rank >= 3, output.type == input.type else {
        throw fail("norm_act maps [N, C, spatial...] to the same type; got \(input.type) -> \(output.type)")
      }
      try checkStats(
        kernel.input("stats"), batch: input.type.shape[0], channels: input.type.shape[1],
        partitionedAxis: input.type.shape[2])
      try checkVector(kernel.input("gamma"), channels: input.type.shape[1])
      try checkVector(kernel.input("beta"), channels: input.type.shape[1])
      if let residual = kernel.input("residual") {
        guard try buffer(residual).type == input.type else { throw fail("residual %\(residual) must be \(input.type)") }
      }
      guard let eps = kernel.float("eps"), eps > 0, eps.isFinite else {
        throw KernelIRError(.attribute, at: location, "'eps' must be a finite number > 0")
      }
    case .add, .leakyRelu, .copy:
      let output = try buffer(kernel.output("output"))
      for name in kernel.inputs("input") {
        let input = try buffer(name)
        guard input.type == output.type else { throw fail("%\(name) is \(input.type), the output is \(output.type)") }
      }
    case .upsampleNearest:
      let input = try buffer(kernel.input("input"))
      let output = try buffer(kernel.output("output"))
      guard let scale = kernel.ints("scale"), scale.count == 3, scale.allSatisfy({ $0 >= 1 }) else {
        throw KernelIRError(.attribute, at: location, "'scale' must be 3 integers >= 1")
      }
      guard input.type.rank == 5,
        output.type == TensorType(input.type.dtype, Array(input.type.shape[0..<2]) + (0..<3).map { input.type.shape[2 + $0] * scale[$0] })
      else { throw fail("upsampling \(input.type) by \(scale) does not give \(output.type)") }
    case .concat:
      let inputs = try kernel.inputs("input").map { try buffer($0) }
      let output = try buffer(kernel.output("output"))
      guard let axis = kernel.int("axis"), axis >= 0, axis < output.type.rank else {
        throw KernelIRError(.attribute, at: location, "'axis' must be an axis of \(output.type)")
      }
      var total = 0
      for input in inputs {
        guard input.type.rank == output.type.rank, input.type.dtype == output.type.dtype,
          (0..<output.type.rank).allSatisfy({ $0 == axis || input.type.shape[$0] == output.type.shape[$0] })
        else { throw fail("%\(input.name) \(input.type) cannot be concatenated into \(output.type) along axis \(axis)") }
        total += input.type.shape[axis]
      }
      guard total == output.type.shape[axis] else { throw fail("inputs give \(total) along axis \(axis), the output has \(output.type.shape[axis])") }
    case .softmax, .argmax:
      let input = try buffer(kernel.input("input"))
      let output = try buffer(kernel.output("output"))
      guard let axis = kernel.int("axis"), axis >= 0, axis < input.type.rank else {
        throw KernelIRError(.attribute, at: location, "'axis' must be an axis of \(input.type)")
      }
      if kernel.kind == .softmax {
        guard output.type == input.type else { throw fail("softmax keeps the type \(input.type), got \(output.type)") }
      } else {
        var shape = input.type.shape
        shape.remove(at: axis)
        guard output.type == TensorType(.i64, shape) else {
          throw fail("argmax of \(input.type) along \(axis) gives i64\(shape), got \(output.type)")
        }
      }
    }
  }
}
