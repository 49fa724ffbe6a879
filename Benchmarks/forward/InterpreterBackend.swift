// The reference interpreter as a benchmark backend: prepare runs the default graph passes (each
// timed) and binds the weights; run evaluates the optimised graph op by op. The time of each op is
// the gap between consecutive `observe` callbacks, so per-op times come for free.
//
// Threads: the interpreter's ops split work over all the cores the process may use (Dispatch), so
// `--threads N` is applied by restricting the process's CPU affinity (ProcessAffinity) before any
// op runs, not by this type.
import Dispatch
import GraphIR
import Interpreter
import Passes
import TensorCore

final class InterpreterBackend: ForwardBackend {
  let name = "interpreter"
  private var interpreter: GraphInterpreter?
  private var inputName = ""
  private var outputName = ""
  private var macsByResult: [String: Int] = [:]
  private(set) var lastKernelTimings: [KernelTiming]?
  private var threads = 0

  var threadingNote: String {
    "graph interpreter (im2col + OpenBLAS sgemm per worker), \(threads) core(s) by CPU affinity"
  }

  func prepare(graph: Graph, weights: [String: Tensor], threads: Int) throws -> [CompilePhase] {
    self.threads = threads
    var optimized = graph
    var phases: [CompilePhase] = []
    for pass in optimizationPipeline() {
      let start = DispatchTime.now().uptimeNanoseconds
      try pass.run(&optimized)
      phases.append(CompilePhase(name: pass.name, seconds: secondsSince(start)))
    }
    let start = DispatchTime.now().uptimeNanoseconds
    interpreter = try GraphInterpreter(graph: optimized, parameters: weights)
    phases.append(CompilePhase(name: "bind-weights", seconds: secondsSince(start)))
    guard let input = optimized.inputs.first, let output = optimized.outputs.first else {
      throw BenchmarkError.backend("the optimised graph has no input or no output")
    }
    inputName = input.name
    outputName = output
    macsByResult = Dictionary(
      MultiplyAccumulates.perNode(optimized).map { ($0.result, $0.macs) }, uniquingKeysWith: { first, _ in first })
    return phases
  }

  func run(_ input: Tensor, into result: inout Tensor) throws {
    guard let interpreter else { throw BenchmarkError.backend("interpreter: run before prepare") }
    result = Tensor(zeros: [0])  // the interpreter allocates its own output: drop the last one first
    var timings: [KernelTiming] = []
    timings.reserveCapacity(interpreter.graph.nodes.count)
    var last = DispatchTime.now().uptimeNanoseconds
    let outputs = try interpreter.run(inputs: [inputName: input]) { node, _ in
      let now = DispatchTime.now().uptimeNanoseconds
      let macs = self.macsByResult[node.result] ?? 0
      timings.append(
        KernelTiming(
          name: node.result, op: node.op, seconds: Double(now - last) / 1e9,
          flop: macs > Int.max / 2 ? Int.max : 2 * macs))
      last = now
    }
    lastKernelTimings = timings
    guard let output = outputs[outputName] else { throw BenchmarkError.backend("interpreter produced no output %\(outputName)") }
    result = output
  }
}

func secondsSince(_ start: UInt64) -> Double {
  Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
