// Measures this machine's attainable fp32 peak in the same invocation as the benchmark, with the
// register-only FMA loop of LLVMBackend's PeakThroughputProbe (one tile per thread, on the runtime's
// thread pool). The best of several runs is the figure least disturbed by other work on a shared
// machine; the median is kept too, and the rate by process CPU time.
import Dispatch
import LLVMBackend
import Runtime

struct PeakMeasurement: Codable {
  var threads: Int
  /// GFLOP/s of every probe run by wall clock, and by process CPU time (FLOP / (CPU seconds /
  /// threads): what the cores reach while they run, whatever else the machine is doing).
  var wallGflops: [Double]
  var cpuGflops: [Double]
  /// Best wall-clock GFLOP/s, its median, and the best by CPU time.
  var bestGflops: Double
  var medianGflops: Double
  var bestCPUGflops: Double
  /// The denominator of "% of peak": the larger of the best wall-clock and best CPU-time rates.
  /// On a quiet machine they agree; on a busy one the wall clock understates the cores' peak, and
  /// the CPU-time rate keeps the percentage from flattering the network.
  var peakGflops: Double

  init(threads: Int, wallGflops: [Double], cpuGflops: [Double]) {
    self.threads = threads
    self.wallGflops = wallGflops
    self.cpuGflops = cpuGflops
    bestGflops = wallGflops.max() ?? 0
    medianGflops = Statistics.median(wallGflops)
    bestCPUGflops = cpuGflops.max() ?? 0
    peakGflops = max(bestGflops, bestCPUGflops)
  }

  /// Both sets of runs together (the probe runs before and after the timed forward passes).
  func adding(_ other: PeakMeasurement) -> PeakMeasurement {
    PeakMeasurement(threads: threads, wallGflops: wallGflops + other.wallGflops, cpuGflops: cpuGflops + other.cpuGflops)
  }
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
    return PeakMeasurement(threads: threads, wallGflops: rates, cpuGflops: cpuRates)
  }
}
