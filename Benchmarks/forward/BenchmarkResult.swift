// The measured figures of one (model, backend) case, as written to JSON and printed as a table.

struct TimingSummary: Codable {
  var median: Double
  var min: Double
  var runs: [Double]

  init(_ runs: [Double]) {
    self.runs = runs
    median = Statistics.median(runs)
    min = runs.min() ?? .nan
  }
}

/// One of the most expensive kernels: median time over the timed runs and its share of the sum.
struct KernelCost: Codable {
  var rank: Int
  var name: String
  var op: String
  var medianSeconds: Double
  var share: Double
  var gflop: Double
  var gflops: Double
  var percentOfPeak: Double
}

struct PeerResult: Codable {
  var peer: String
  var version: String?
  /// Settings the peer reports (e.g. OpenVINO's inference precision).
  var details: String?
  var skipped: String?
  var seconds: TimingSummary?
  var peakRSSBytes: Int?
  var threads: Int?
  var loadAverage: [Double]?
  /// peer median seconds / stunetc median seconds (above 1: stunetc is faster).
  var timeRatio: Double?
  /// peer peak RSS / stunetc peak RSS (above 1: stunetc uses less memory).
  var memoryRatio: Double?
}

struct BenchmarkResult: Codable {
  /// The preset name (S, B, L, H), nil for a custom model.
  var variant: String?
  var model: String
  var configuration: String
  var inputShape: [Int]
  var backend: String
  var threadingNote: String
  var threads: Int
  var warmupRuns: Int
  var weights: String
  var compileSeconds: Double
  var compilePhases: [CompilePhase]
  var seconds: TimingSummary
  /// Process CPU seconds of each timed run (wall x threads when nothing else runs).
  var cpuSeconds: [Double]
  /// Multiply-accumulates of the optimised graph (weight MACs of every convolution).
  var macs: Int
  var macsBeforeOptimisation: Int
  /// 2 x MACs / median seconds / 1e9.
  var gflops: Double
  var peaks: [PeakMeasurement]
  /// gflops / the probe's peakGflops at the same thread count x 100.
  var percentOfPeak: Double
  var peakMemory: PeakMemory
  var topKernels: [KernelCost]?
  var loadAverageBefore: [Double]
  var loadAverageAfter: [Double]
  var peers: [PeerResult]?
  var outputChecksum: Double
}

struct BenchmarkDocument: Codable {
  var tool = "stunet-bench"
  var cpuModel: String
  var cores: Int
  var command: [String]
  var results: [BenchmarkResult]
}
