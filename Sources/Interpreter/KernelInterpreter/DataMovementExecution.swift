// Runs the kernels that need no kernel-specific algorithm: add, leaky_relu, copy (which also
// converts layouts), upsample_nearest, concat, softmax and argmax. Each reads its operands as
// dense tensors, applies the reference semantics of `ReferenceOps` (the graph interpreter's
// oracle) and writes the result in the output's layout.

import KernelIR
import TensorCore

enum DataMovementExecution {
  static func run(_ kernel: Kernel, memory: KernelMemory) throws {
    let inputs = try kernel.inputs("input").map { try BufferAccess.tensor(try memory.address($0)) }
    guard let outputName = kernel.output("output"), let first = inputs.first else { return }
    let result: Tensor
    switch kernel.kind {
    case .add:
      var sum = try ReferenceOps.add(first, inputs[1])
      if let slope = kernel.float("slope") { sum = ReferenceOps.leakyRelu(sum, slope: Float(slope)) }
      result = sum
    case .leakyRelu:
      result = ReferenceOps.leakyRelu(first, slope: Float(kernel.float("slope") ?? 0.01))
    case .copy:
      result = first
    case .upsampleNearest:
      result = try ReferenceOps.upsampleNearest(first, scale: kernel.ints("scale") ?? [1, 1, 1])
    case .concat:
      result = try ReferenceOps.concat(inputs, axis: kernel.int("axis") ?? 1)
    case .softmax:
      result = try ReferenceOps.softmax(first, axis: kernel.int("axis") ?? 1)
    case .argmax:
      result = try ReferenceOps.argmax(first, axis: kernel.int("axis") ?? 1)
    default:
      throw KernelInterpreterError.unsupported("internal: \(kernel.kind.rawValue) is not a data-movement kernel")
    }
    try BufferAccess.write(result.data, to: try memory.address(outputName))
  }
}
