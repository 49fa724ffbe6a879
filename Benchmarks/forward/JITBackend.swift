// The LLVM JIT as a benchmark backend, through the Driver's CompiledModel (graph passes, lowering,
// memory plan, kernel generation and ORC JIT compilation, as `stunetc run --backend jit` does).
// Per-kernel times come from the JIT program's own timing of each schedule step.
import Driver
import GraphIR
import LLVMBackend
import Passes
import TensorCore

final class JITBackend: ForwardBackend {
  let name = "jit"
  private var model: CompiledModel?
  private var threads = 0

  var threadingNote: String {
    guard let program = model?.jitProgram else { return "LLVM JIT" }
    let interpreted = program.kernels.filter { $0.interpretedBecause != nil }.count
    return "LLVM JIT for \(TargetDescription.detectedHost.cpu), persistent pool of \(program.threads) thread(s); "
      + "\(program.kernels.count - interpreted) kernels generated, \(interpreted) in the interpreter"
  }

  func prepare(graph: Graph, weights: [String: Tensor], threads: Int) throws -> [CompilePhase] {
    self.threads = threads
    var options = BackendOptions(backend: .jit)
    options.jit.threads = threads
    let pipeline = CompilationPipeline(options: PassOptions(), output: { _ in })
    let model = try CompiledModel(graph: graph, weights: weights, options: options, pipeline: pipeline)
    self.model = model
    var phases = (model.instrumentation?.timings ?? []).map { CompilePhase(name: $0.stage, seconds: $0.seconds) }
    phases += (model.jitProgram?.compileTimings ?? []).map { CompilePhase(name: "jit-compile/" + $0.phase, seconds: $0.seconds) }
    return phases
  }

  func run(_ input: Tensor, into output: inout Tensor) throws {
    guard let model else { throw BenchmarkError.backend("jit: run before prepare") }
    try model.run(input, into: &output)
  }

  var lastKernelTimings: [KernelTiming]? {
    guard let program = model?.jitProgram else { return nil }
    let seconds = program.lastRunKernelSeconds
    return program.kernels.enumerated().compactMap { position, report in
      guard position < seconds.count else { return nil }
      let kernel = program.program.kernels[report.index]
      let output = kernel.outputs.first?.buffer ?? "?"
      let interpreted = report.interpretedBecause == nil ? "" : " (interpreted)"
      return KernelTiming(
        name: "k\(report.index) %\(output)", op: "\(report.kind)" + interpreted, seconds: seconds[position],
        flop: report.flops)
    }
  }
}
