// The Kernel IR interpreter: runs a lowered (and usually memory-planned) program kernel by kernel
// with straightforward Swift code over real memory, in the layouts and at the offsets the program
// says, reading weights packed by `WeightPacking`. Comparing it with the graph interpreter checks
// lowering and layouts; comparing arena mode with separate allocations checks the memory plan
// (case C31: the results must be bit-identical).

import GraphIR
import KernelIR
import TensorCore

public enum KernelInterpreterError: Error, CustomStringConvertible, Equatable {
  case missingInput(String, TensorType)
  case inputShape(String, expected: TensorType, actual: [Int])
  case missingWeight(String, TensorType)
  case unplanned(String)
  case unsupported(String)

  public var description: String {
    switch self {
    case .missingInput(let name, let type): return "kernel interpreter: no value given for input %\(name) (\(type))"
    case .inputShape(let name, let expected, let actual):
      return "kernel interpreter: input %\(name) expects \(expected), got shape \(actual)"
    case .missingWeight(let name, let type):
      return "kernel interpreter: no weights for @\(name) (\(type)): the parameter is missing from the weights given"
    case .unplanned(let message): return "kernel interpreter: \(message)"
    case .unsupported(let message): return "kernel interpreter: \(message)"
    }
  }
}

public struct KernelInterpreter {
  public let program: KernelProgram
  /// Weight buffers packed in their layouts, by buffer name.
  public let packedWeights: [String: [Float]]

  /// Verifies the program and packs the weights (`weights` keyed by parameter name).
  public init(program: KernelProgram, weights: [String: Tensor]) throws {
    try KernelVerifier.verify(program)
    var packed: [String: [Float]] = [:]
    for buffer in program.buffers {
      guard case .weight(let parameter) = buffer.kind else { continue }
      guard let tensor = weights[parameter] else { throw KernelInterpreterError.missingWeight(parameter, buffer.type) }
      packed[buffer.name] = try WeightPacking.pack(tensor, for: buffer)
    }
    self.program = program
    packedWeights = packed
  }

  /// Runs the program; returns the outputs by output buffer name, as row-major tensors.
  /// `poison` fills memory with NaN first, so reads of bytes nobody wrote show in the results.
  public func run(inputs: [String: Tensor], memory mode: KernelMemoryMode = .arena, poison: Bool = true) throws
    -> [String: Tensor]
  {
    let memory = try KernelMemory(program: program, mode: mode, packedWeights: packedWeights, poison: poison)
    for buffer in program.inputBuffers {
      guard let tensor = inputs[buffer.name] else { throw KernelInterpreterError.missingInput(buffer.name, buffer.type) }
      guard tensor.shape == buffer.type.shape else {
        throw KernelInterpreterError.inputShape(buffer.name, expected: buffer.type, actual: tensor.shape)
      }
      try BufferAccess.write(tensor.data, to: try memory.address(buffer.name))
    }
    for kernel in program.kernels {
      switch kernel.kind {
      case .conv3dFirst, .conv3dDirect, .conv3dPointwise:
        try ConvolutionExecution.run(kernel, program: program, memory: memory)
      case .channelStats:
        try NormalizationExecution.statistics(kernel, memory: memory)
      case .normAct:
        try NormalizationExecution.normAct(kernel, memory: memory)
      case .add, .leakyRelu, .copy, .upsampleNearest, .concat, .softmax, .argmax:
        try DataMovementExecution.run(kernel, memory: memory)
      }
    }
    var outputs: [String: Tensor] = [:]
    for name in program.outputs {
      outputs[name] = try BufferAccess.tensor(try memory.address(name))
    }
    return outputs
  }

  /// Packs the weights and runs once.
  public static func run(
    _ program: KernelProgram, inputs: [String: Tensor], weights: [String: Tensor],
    memory: KernelMemoryMode = .arena
  ) throws -> [String: Tensor] {
    try KernelInterpreter(program: program, weights: weights).run(inputs: inputs, memory: memory)
  }
}
