// Runs one (model, backend) case in this process: build the graph, make weights and a seeded input,
// measure the peak with the FMA probe (1 thread and --threads), prepare the backend (the compile
// time), warm up, time the runs, probe the peak again, and gather GFLOP/s, % of peak, peak RSS
// and the costliest kernels.
import DSL
import Dispatch
import Driver
import GraphIR
import LLVMBackend
import Passes
import TensorCore

enum CaseRunner {
  static func run(variant: String?, backendName: String, options: BenchmarkOptions, log: (String) -> Void) throws
    -> BenchmarkResult
  {
    var weightsFile = try options.weightsPath.map { try WeightSource.load(path: $0) }
    let model: ModelSelection
    do {
      model = try ModelSelection.resolve(options.modelArguments(variant: variant))
    } catch {
      throw BenchmarkError.usage("\(error)")
    }
    let graph = model.graph
    guard let graphInput = graph.inputs.first else { throw BenchmarkError.backend("the graph has no input") }
    let inputShape = graphInput.type.shape
    let modelName = variant.map { "STU-Net-\($0)" } ?? (model.configuration.map { "custom \($0.widths)" } ?? graph.name)
    log("== \(modelName), input \(inputShape.map(String.init).joined(separator: "x")), backend \(backendName), \(options.threads) thread(s)")

    var weights: [String: Tensor]
    let weightsNote: String
    if let file = weightsFile {
      weights = try WeightBinding.bind(file.tensors, to: graph)
      weightsNote = file.path
      weightsFile = nil  // the bound tensors are all that is needed
    } else {
      weights = RandomWeights.generate(for: graph, seed: options.seed)
      weightsNote = "deterministic random (seed \(options.seed))"
    }
    let input = seededInput(shape: inputShape, seed: options.seed &+ 7)

    let optimized = try optimize(graph)
    let macs = MultiplyAccumulates.total(optimized)
    let macsBefore = MultiplyAccumulates.total(graph)

    _ = ProcessResources.waitForLoad(below: options.maxLoad, log: log)
    let compiler = try KernelCompiler(target: .host())
    var threadCounts = [1]
    if options.threads > 1 { threadCounts.append(options.threads) }
    let probe = try PeakProbe(threadCounts: threadCounts, compiler: compiler, iterations: options.probeIterations)
    let peaksBefore = try probe.measure()

    let backend = try BackendRegistry.make(backendName)
    let loadBefore = ProcessResources.loadAverage()
    let compileStart = DispatchTime.now().uptimeNanoseconds
    let phases = try backend.prepare(graph: graph, weights: weights, threads: options.threads)
    weights = [:]  // the backend holds what it needs (the JIT its packed copy), as `stunetc run` does
    let compileSeconds = secondsSince(compileStart)
    log(String(format: "   compile: %.2f s", compileSeconds))

    var output = Tensor(zeros: [0])
    for index in 0..<options.warmup {
      let start = DispatchTime.now().uptimeNanoseconds
      try backend.run(input, into: &output)
      log(String(format: "   warm-up %d: %.3f s", index + 1, secondsSince(start)))
    }
    var wall: [Double] = []
    var cpu: [Double] = []
    var kernelRuns: [[KernelTiming]] = []
    for index in 0..<options.runs {
      let cpuStart = ProcessResources.cpuSeconds()
      let start = DispatchTime.now().uptimeNanoseconds
      try backend.run(input, into: &output)
      wall.append(secondsSince(start))
      cpu.append(ProcessResources.cpuSeconds() - cpuStart)
      if let timings = backend.lastKernelTimings { kernelRuns.append(timings) }
      log(String(format: "   run %d: %.3f s (CPU %.2f s)", index + 1, wall[index], cpu[index]))
    }
    let loadAfter = ProcessResources.loadAverage()
    let peaks = zip(peaksBefore, try probe.measure()).map { before, after in before.adding(after) }
    for peak in peaks {
      log(
        String(
          format: "   peak probe, %d thread(s), before and after: best %.1f GFLOP/s, median %.1f, by CPU time %.1f", peak.threads,
          peak.bestGflops, peak.medianGflops, peak.bestCPUGflops))
    }
    let peak = peaks.last?.peakGflops ?? .nan
    let seconds = TimingSummary(wall)
    let gflops = 2 * Double(macs) / seconds.median / 1e9
    return BenchmarkResult(
      variant: variant, model: modelName, configuration: model.configuration.map { "\($0)" } ?? "IR file", inputShape: inputShape,
      backend: backendName, threadingNote: backend.threadingNote, threads: options.threads, warmupRuns: options.warmup,
      weights: weightsNote, compileSeconds: compileSeconds, compilePhases: phases, seconds: seconds, cpuSeconds: cpu,
      macs: macs, macsBeforeOptimisation: macsBefore, gflops: gflops, peaks: peaks, percentOfPeak: 100 * gflops / peak,
      peakMemory: ProcessResources.peakMemory(),
      topKernels: kernelRuns.isEmpty ? nil : topKernels(kernelRuns, peak: peak, count: 10),
      loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, peers: nil,
      outputChecksum: output.data.reduce(0.0) { $0 + Double($1) })
  }

  static func optimize(_ graph: Graph) throws -> Graph {
    var optimized = graph
    for pass in optimizationPipeline() { try pass.run(&optimized) }
    return optimized
  }

  /// Roughly standard-normal values (sum of uniforms), deterministic for a seed.
  static func seededInput(shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = Tensor.elementCount(shape)
    var data = [Float](repeating: 0, count: count)
    for index in 0..<count {
      data[index] = (generator.symmetric() + generator.symmetric() + generator.symmetric())
    }
    return Tensor(shape: shape, data: data)
  }

  /// The `count` kernels with the largest median time over the runs, with their share of the total.
  static func topKernels(_ runs: [[KernelTiming]], peak: Double, count: Int) -> [KernelCost] {
    guard let first = runs.first else { return [] }
    let consistent = runs.filter { $0.count == first.count }
    let medians = first.indices.map { index in Statistics.median(consistent.map { $0[index].seconds }) }
    let total = medians.reduce(0, +)
    let order = first.indices.sorted { medians[$0] > medians[$1] }
    return order.prefix(count).enumerated().map { rank, index in
      let kernel = first[index]
      let gflops = Double(kernel.flop) / medians[index] / 1e9
      return KernelCost(
        rank: rank + 1, name: kernel.name, op: kernel.op, medianSeconds: medians[index],
        share: total > 0 ? medians[index] / total : 0, gflop: Double(kernel.flop) / 1e9, gflops: gflops,
        percentOfPeak: 100 * gflops / peak)
    }
  }
}
