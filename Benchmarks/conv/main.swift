// Micro-benchmark of the JIT'd direct 3x3x3 convolution at STU-Net-S shapes (release build:
// `swift build -c release --product conv-benchmark && .build/release/conv-benchmark`).
// Prints GFLOP/s and % of the peak measured by a register-only FMA probe on the same machine, for
// 1 and 2 threads, as the median of several timed runs after a warm-up. The machine is shared
// with other work, so figures are medians and still noisy.
//
// Options: --runs N, --threads 1,2, --shapes a,b (names below), --no-stats,
//          --tiling RW,G,DEPTH,ICPASS (override), --asm DIR (write each kernel's assembly), --json,
//          --extras (also the other kernels at STU-Net-S sizes and the thread pool's overhead)
import Foundation
import LLVMBackend
import Runtime

struct Shape {
  let name: String
  let inputChannels: Int
  let outputChannels: Int
  let size: Int
  var stride = 1
}

let allShapes = [
  Shape(name: "c16_128", inputChannels: 16, outputChannels: 16, size: 128),
  Shape(name: "c32to16_128", inputChannels: 32, outputChannels: 16, size: 128),
  Shape(name: "c32_64", inputChannels: 32, outputChannels: 32, size: 64),
  Shape(name: "c64_32", inputChannels: 64, outputChannels: 64, size: 32),
  Shape(name: "c128_16", inputChannels: 128, outputChannels: 128, size: 16),
  Shape(name: "c256_8", inputChannels: 256, outputChannels: 256, size: 8),
  Shape(name: "c16to32s2_128", inputChannels: 16, outputChannels: 32, size: 128, stride: 2),
  Shape(name: "c32to64s2_64", inputChannels: 32, outputChannels: 64, size: 64, stride: 2),
]

var runs = 5
var threadCounts = [1, 2]
var selected = allShapes.map(\.name)
var statistics = true
var tilingOverride: ConvolutionTiling?
var assemblyDirectory: String?
var json = false
var extras = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--runs": runs = Int(arguments.next() ?? "") ?? runs
  case "--threads": threadCounts = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
  case "--shapes": selected = (arguments.next() ?? "").split(separator: ",").map(String.init)
  case "--no-stats": statistics = false
  case "--tiling":
    let values = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
    if values.count == 4 {
      tilingOverride = ConvolutionTiling(registerWidth: values[0], outputBlocksPerTile: values[1], depthPerTile: values[2], inputBlocksPerPass: values[3])
    }
  case "--asm": assemblyDirectory = arguments.next()
  case "--json": json = true
  case "--extras": extras = true
  default:
    FileHandle.standardError.write("unknown option \(argument)\n".data(using: .utf8)!)
    exit(2)
  }
}

do {
  let target = TargetDescription.host()
  print("target: \(target)")
  let compiler = try KernelCompiler(target: target)
  var pools: [Int: ThreadPool] = [:]
  for count in threadCounts { pools[count] = try ThreadPool(threads: count) }

  // Peak probe per thread count.
  var peak: [Int: Double] = [:]
  for count in threadCounts {
    let probe = PeakThroughputProbe(iterations: 10_000_000, tiles: count)
    let kernel = try compiler.compile(probe)
    if let assemblyDirectory {
      try compiler.buildModule([probe], name: "probe").assembly().write(toFile: assemblyDirectory + "/probe.s", atomically: true, encoding: .utf8)
    }
    let sink = try AlignedBuffer(floatCount: count * 8)
    let argument = KernelArgument(address: sink.baseAddress, elementType: .float32, elementCount: count * 8)
    guard let pool = pools[count] else { continue }
    try kernel.run([argument], pool: pool, chunkSize: 1)
    let times = try (0..<5).map { _ in try measure { try kernel.run([argument], pool: pool, chunkSize: 1) } }
    let wall = Double(probe.flopCount) / median(times.map(\.wall)) / 1e9
    // The best run is the least disturbed by other jobs on this shared machine.
    peak[count] = Double(probe.flopCount) / ((times.map(\.cpu).min() ?? 1) / Double(count)) / 1e9
    print(String(format: "peak probe, %d thread(s): %.1f GFLOP/s (CPU time), %.1f GFLOP/s (wall)", count, peak[count] ?? 0, wall))
  }

  var records: [[String: Any]] = []
  for shape in allShapes where selected.contains(shape.name) {
    let spec = Convolution3DSpec(
      name: "bench_\(shape.name)", inputChannels: shape.inputChannels, outputChannels: shape.outputChannels,
      inputExtent: Extent3(uniform: shape.size), stride: Extent3(uniform: shape.stride), computesStatistics: statistics,
      tiling: tilingOverride)
    let generator = try Convolution3DKernel(spec)
    let timingStart = compiler.timings.count
    let compileTime = try seconds { _ = try compiler.compile(generator) }
    let phases = compiler.timings[timingStart...].map { String(format: "%@ %.2fs", $0.phase, $0.seconds) }.joined(separator: ", ")
    print("  compile \(shape.name): \(phases)")
    let kernel = try compiler.compile(try Convolution3DKernel(Convolution3DSpec(
      name: "bench2_\(shape.name)", inputChannels: shape.inputChannels, outputChannels: shape.outputChannels,
      inputExtent: Extent3(uniform: shape.size), stride: Extent3(uniform: shape.stride), computesStatistics: statistics,
      tiling: tilingOverride)))
    if let assemblyDirectory {
      let module = try compiler.buildModule([generator], name: shape.name)
      try module.assembly().write(toFile: assemblyDirectory + "/\(shape.name).s", atomically: true, encoding: .utf8)
    }
    let extent = Extent3(uniform: shape.size)
    let inputCount = BlockedLayout.elementCount(channels: shape.inputChannels, extent: extent)
    let outputCount = BlockedLayout.elementCount(channels: shape.outputChannels, extent: generator.outputExtent)
    let input = try AlignedBuffer(floatCount: inputCount, zeroed: true)
    let weights = try AlignedBuffer(floatCount: generator.packedWeightCount, zeroed: true)
    let output = try AlignedBuffer(floatCount: outputCount, zeroed: true)
    let scratch = try AlignedBuffer(byteCount: max(8, generator.statisticsCount * 8))
    var random = SystemRandomNumberGenerator()
    for index in 0..<inputCount { input.allFloats[index] = Float.random(in: -1...1, using: &random) }
    for index in 0..<generator.packedWeightCount { weights.allFloats[index] = Float.random(in: -0.1...0.1, using: &random) }
    var kernelArguments = [
      KernelArgument(address: input.baseAddress, elementType: .float32, elementCount: inputCount),
      KernelArgument(address: weights.baseAddress, elementType: .float32, elementCount: generator.packedWeightCount),
      KernelArgument(address: output.baseAddress, elementType: .float32, elementCount: outputCount),
    ]
    if statistics {
      kernelArguments.append(KernelArgument(address: scratch.baseAddress, elementType: .float64, elementCount: generator.statisticsCount))
    }
    for count in threadCounts {
      guard let pool = pools[count] else { continue }
      try kernel.run(kernelArguments, pool: pool)
      let times = try (0..<runs).map { _ in try measure { try kernel.run(kernelArguments, pool: pool) } }
      let time = median(times.map(\.wall))
      let cpuTime = median(times.map(\.cpu)) / Double(count)
      let gflops = Double(generator.flopCount) / time / 1e9
      let cpuGflops = Double(generator.flopCount) / cpuTime / 1e9
      let percent = 100 * cpuGflops / (peak[count] ?? .infinity)
      let bestGflops = Double(generator.flopCount) / ((times.map(\.cpu).min() ?? 1) / Double(count)) / 1e9
      print(String(
        format: "%-13@ %3d->%-3d @%3d^3 s%d [%@] threads=%d  wall %.4f s %.1f GFLOP/s | cpu %.4f s %.1f GFLOP/s %.0f%% of peak, best %.1f (%.0f%%) (compile %.2f s)",
        shape.name, shape.inputChannels, shape.outputChannels, shape.size, shape.stride, generator.tiling.description, count, time, gflops,
        cpuTime, cpuGflops, percent, bestGflops, 100 * bestGflops / (peak[count] ?? .infinity), compileTime))
      records.append([
        "shape": shape.name, "threads": count, "wallSeconds": time, "wallGflops": gflops, "cpuSecondsPerThread": cpuTime,
        "cpuGflops": cpuGflops, "percentOfPeak": percent, "bestCpuGflops": bestGflops, "tiling": generator.tiling.description, "runs": runs,
      ])
    }
  }
  if extras {
    for count in threadCounts {
      guard let pool = pools[count] else { continue }
      try benchmarkOtherKernels(compiler: compiler, pool: pool, runs: runs, peak: peak[count] ?? .infinity)
      measureThreadPoolOverhead(pool)
      try benchmarkDenormals(compiler: compiler, pool: pool, runs: runs)
    }
  }
  if json, let data = try? JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys]) {
    print(String(decoding: data, as: UTF8.self))
  }
} catch {
  FileHandle.standardError.write("conv-benchmark: \(error)\n".data(using: .utf8)!)
  exit(1)
}
