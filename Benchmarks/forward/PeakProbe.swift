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

/// The probe kernels for some thread counts, compiled once and run as often as wanted.
final class PeakProbe {
  private struct Instance {
    let threads: Int
    let probe: PeakThroughputProbe
    let kernel: CompiledKernel
    let pool: ThreadPool
    let sink: AlignedBuffer
  }

  private let instances: [Instance]

  init(threadCounts: [Int], compiler: KernelCompiler, iterations: Int = 50_000_000) throws {
    instances = try threadCounts.map { threads in
      let probe = PeakThroughputProbe(iterations: iterations, tiles: threads)
      return Instance(
        threads: threads, probe: probe, kernel: try compiler.compile(probe), pool: try ThreadPool(threads: threads),
        sink: try AlignedBuffer(floatCount: threads * 8))
    }
  }

  /// One warm-up and `runs` timed runs of the probe for every thread count.
  func measure(runs: Int = 5) throws -> [PeakMeasurement] {
    try instances.map { instance in
      let argument = KernelArgument(
        address: instance.sink.baseAddress, elementType: .float32, elementCount: instance.threads * 8)
      try instance.kernel.run([argument], pool: instance.pool, chunkSize: 1)
      var rates: [Double] = []
      var cpuRates: [Double] = []
      for _ in 0..<max(1, runs) {
        let cpuStart = ProcessResources.cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        try instance.kernel.run([argument], pool: instance.pool, chunkSize: 1)
        let flop = Double(instance.probe.flopCount)
        rates.append(flop / secondsSince(start) / 1e9)
        cpuRates.append(flop / ((ProcessResources.cpuSeconds() - cpuStart) / Double(instance.threads)) / 1e9)
      }
      return PeakMeasurement(threads: instance.threads, wallGflops: rates, cpuGflops: cpuRates)
    }
  }
}
