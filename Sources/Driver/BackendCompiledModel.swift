// A model ready to run many times: graph -> graph passes -> lowering -> memory plan -> JIT (or
// the reference graph interpreter), with its weights bound. The segmentation command runs it on
// every tile; `run(_:into:)` reuses the caller's output storage between tiles.
import GraphIR
import Interpreter
import KernelIR
import LLVMBackend
import MemoryPlan
import Passes
import TensorCore

public final class CompiledModel {
  public let graph: Graph
  public let backend: BackendOptions.Backend
  /// The planned Kernel IR program the JIT runs (nil for the interpreter backend).
  public let program: KernelProgram?
  public let memoryReport: MemoryReport?
  public let jitProgram: JITProgram?
  /// The compilation's instrumentation (stage timings for --time-passes).
  public let instrumentation: PassInstrumentation?
  private let interpreter: GraphInterpreter?
  public let inputName: String
  public let outputName: String

  public enum ModelError: Error, CustomStringConvertible {
    case shape(String)
    case stopped(String)

    public var description: String {
      switch self {
      case .shape(let message): return "compiled model: \(message)"
      case .stopped(let stage): return "compiled model: compilation stopped after '\(stage)' (--stop-after); nothing to run"
      }
    }
  }

  /// Compiles `graph` (one input; its first output is the result) with `weights` keyed by
  /// parameter name. `pipeline` supplies the pass flags and where their output goes (default: the
  /// standard passes, silent).
  public init(
    graph: Graph, weights: [String: Tensor], options: BackendOptions = BackendOptions(), pipeline: CompilationPipeline? = nil
  ) throws {
    guard graph.inputs.count == 1, let input = graph.inputs.first, let output = graph.outputs.first else {
      throw ModelError.shape("@\(graph.name) has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs; one input and an output are needed")
    }
    self.graph = graph
    backend = options.backend
    inputName = input.name
    outputName = output
    switch options.backend {
    case .interpreter:
      interpreter = try GraphInterpreter(graph: graph, parameters: weights)
      program = nil
      memoryReport = nil
      jitProgram = nil
      instrumentation = nil
    case .jit:
      let pipeline = pipeline ?? CompilationPipeline(options: PassOptions(), output: { _ in })
      let result = try pipeline.compileForJIT(graph, weights: weights, options: options.jit)
      result.instrumentation.finish()
      guard let jit = result.jit else {
        throw ModelError.stopped(pipeline.options.stopAfter ?? "a stage")
      }
      interpreter = nil
      program = result.program
      memoryReport = result.report
      jitProgram = jit
      instrumentation = result.instrumentation
    }
  }

  public var inputShape: [Int] { graph.inputs.first?.type.shape ?? [] }
  public var outputShape: [Int] { graph.valueTypes[outputName]?.shape ?? [] }

  /// Runs the model on one input tensor.
  public func run(_ input: Tensor) throws -> Tensor {
    guard input.shape == inputShape else {
      throw ModelError.shape("input has shape \(input.shape), the model was compiled for \(inputShape)")
    }
    if let jitProgram {
      if jitProgram.program.outputs.count == 1 { return try jitProgram.run(input) }
      guard let name = jitProgram.program.outputs.first, let inputBuffer = jitProgram.program.inputBuffers.first,
        let output = try jitProgram.run(inputs: [inputBuffer.name: input])[name]
      else { throw ModelError.shape("the program produced no output") }
      return output
    }
    guard let interpreter, let output = try interpreter.run(inputs: [inputName: input])[outputName] else {
      throw ModelError.shape("the graph produced no output")
    }
    return output
  }

  /// Runs the model and returns every graph output, keyed by its value name (in the graph's
  /// output order through `graph.outputs`).
  public func runAll(_ input: Tensor) throws -> [String: Tensor] {
    guard input.shape == inputShape else {
      throw ModelError.shape("input has shape \(input.shape), the model was compiled for \(inputShape)")
    }
    if graph.outputs.count == 1 { return [outputName: try run(input)] }
    if let jitProgram {
      guard let inputBuffer = jitProgram.program.inputBuffers.first else { throw ModelError.shape("the program has no input") }
      let produced = try jitProgram.run(inputs: [inputBuffer.name: input])
      // The program lists its outputs in the graph's order (under its buffers' names).
      var outputs: [String: Tensor] = [:]
      for (name, bufferName) in zip(graph.outputs, jitProgram.program.outputs) {
        guard let tensor = produced[bufferName] else { throw ModelError.shape("the program did not produce %\(name)") }
        outputs[name] = tensor
      }
      return outputs
    }
    guard let interpreter else { throw ModelError.shape("nothing to run") }
    return try interpreter.run(inputs: [inputName: input])
  }

  /// Runs the model writing into `output` (reused when it already has the output's shape).
  public func run(_ input: Tensor, into output: inout Tensor) throws {
    guard input.shape == inputShape else {
      throw ModelError.shape("input has shape \(input.shape), the model was compiled for \(inputShape)")
    }
    if let jitProgram, jitProgram.program.outputs.count == 1 {
      try jitProgram.run(input, into: &output)
    } else {
      output = try run(input)
    }
  }
}
