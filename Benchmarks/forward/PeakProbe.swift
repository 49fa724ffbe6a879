// Measures this machine's attainable fp32 peak in the same invocation as the benchmark, with the
// register-only FMA loop of LLVMBackend's PeakThroughputProbe (one tile per thread, on the runtime's
// thread pool). The best of several runs is the figure least disturbed by other work on a shared
// machine; the median is kept too. Both by wall clock.
import Dispatch
import LLVMBackend
import Runtime

struct PeakMeasurement: Codable {
  var threads: Int
  /// Best (highest) GFLOP/s over the runs: the denominator of "% of peak".
  var bestGflops: Double
  var medianGflops: Double
  /// FLOP / (best process CPU seconds / threads): what the probe reaches per core while it runs,
  /// whatever else the machine is doing (a check on the wall-clock figures, not a denominator).
  var bestCPUGflops: Double
  var runs: Int
}

enum PeakProbe {
  /// Runs the probe with `threads` tiles on a pool of `threads` threads.
  static func measure(threads: Int, compiler: KernelCompiler, iterations: Int = 50_000_000, runs: Int = 5) throws
    -> PeakMeasurement
  {
    let probe = PeakThroughputProbe(iterations: iterations, tiles: threads)
    let kernel = try compiler.compile(probe)
    let pool = try ThreadPool(threads: threads)
    let sink = try AlignedBuffer(floatCount: threads * 8)
    let argument = KernelArgument(address: sink.baseAddress, elementType: .float32, elementCount: threads * 8)
    try kernel.run([argument], pool: pool, chunkSize: 1)
    var rates: [Double] = []
    var cpuRates: [Double] = []
    for _ in 0..<max(1, runs) {
      let cpuStart = ProcessResources.cpuSeconds()
      let start = DispatchTime.now().uptimeNanoseconds
      try kernel.run([argument], pool: pool, chunkSize: 1)
      rates.append(Double(probe.flopCount) / secondsSince(start) / 1e9)
      cpuRates.append(Double(probe.flopCount) / ((ProcessResources.cpuSeconds() - cpuStart) / Double(threads)) / 1e9)
    }
    return PeakMeasurement(
      threads: threads, bestGflops: rates.max() ?? 0, medianGflops: Statistics.median(rates),
      bestCPUGflops: cpuRates.max() ?? 0, runs: rates.count)
  }
}
