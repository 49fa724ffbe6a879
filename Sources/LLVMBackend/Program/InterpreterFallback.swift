// Mixed execution: a kernel the JIT does not lower runs with the kernel interpreter's per-kernel
// semantics on the same memory. The kernel is wrapped in a one-kernel program whose operands are
// standalone buffers (inputs as graph inputs, results as graph outputs, weights as they are);
// at run time its inputs are read out of their storage, the interpreter runs it, and its results
// are written back in their layouts. The copies make this slow, but it is exact and only used for
// kinds without a generator (softmax, concat) or odd layouts.
import GraphIR
import Interpreter
import KernelIR
import TensorCore

struct InterpreterFallback {
  let index: Int
  let kind: KernelKind
  let reason: String
  let interpreter: KernelInterpreter
  let inputs: [(name: String, access: BufferTensorAccess, location: BufferLocation)]
  let outputs: [(name: String, access: BufferTensorAccess, location: BufferLocation)]

  init(
    kernel: Kernel, index: Int, reason: String, program: KernelProgram, locations: [String: BufferLocation],
    weights: [String: Tensor]
  ) throws {
    var buffers: [KernelBuffer] = []
    var parameters: [String: Tensor] = [:]
    var seen: Set<String> = []
    var inputs: [(name: String, access: BufferTensorAccess, location: BufferLocation)] = []
    var outputs: [(name: String, access: BufferTensorAccess, location: BufferLocation)] = []
    for (operand, isOutput) in kernel.inputs.map({ ($0, false) }) + kernel.outputs.map({ ($0, true) }) {
      guard seen.insert(operand.buffer).inserted else { continue }
      guard let original = program.buffer(named: operand.buffer) else {
        throw JITProgramError.unsupportedBuffer(operand.buffer, "kernel \(index) names an undeclared buffer")
      }
      if case .weight(let parameter) = original.kind {
        guard let tensor = weights[parameter] else { throw JITProgramError.missingWeight(parameter, original.type.description) }
        parameters[parameter] = tensor
        buffers.append(KernelBuffer(
          name: original.name, type: original.type, layout: original.layout, kind: original.kind,
          byteCount: original.byteCount, segments: original.segments))
        continue
      }
      guard let location = locations[original.name] else {
        throw JITProgramError.unsupportedBuffer(original.name, "has no storage")
      }
      let access = try BufferTensorAccess(original, in: program)
      let standalone = try KernelBuffer(
        name: original.name, type: original.type, layout: original.layout, kind: isOutput ? .output : .input)
      buffers.append(standalone)
      if isOutput {
        outputs.append((original.name, access, location))
      } else {
        inputs.append((original.name, access, location))
      }
    }
    let single = KernelProgram(
      name: "\(program.name)_k\(index)", target: program.target, buffers: buffers, kernels: [kernel],
      outputs: outputs.map(\.name))
    do {
      interpreter = try KernelInterpreter(program: single, weights: parameters)
    } catch {
      throw JITProgramError.fallbackFailed(kernel: index, kind: kernel.kind.rawValue, message: "\(error)")
    }
    self.index = index
    self.kind = kernel.kind
    self.reason = reason
    self.inputs = inputs
    self.outputs = outputs
  }

  func run(_ resolve: (BufferLocation) -> UnsafeMutableRawPointer) throws {
    var values: [String: Tensor] = [:]
    for input in inputs { values[input.name] = input.access.read(from: resolve(input.location)) }
    let results: [String: Tensor]
    do {
      results = try interpreter.run(inputs: values, memory: .separateAllocations, poison: true)
    } catch {
      throw JITProgramError.fallbackFailed(kernel: index, kind: kind.rawValue, message: "\(error)")
    }
    for output in outputs {
      guard let tensor = results[output.name] else {
        throw JITProgramError.fallbackFailed(kernel: index, kind: kind.rawValue, message: "no value for %\(output.name)")
      }
      output.access.write(tensor, to: resolve(output.location))
    }
  }
}
