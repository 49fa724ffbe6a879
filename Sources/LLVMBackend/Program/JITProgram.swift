// A whole Kernel IR program, JIT-compiled and ready to run many times: every kernel the backend
// can generate is compiled (all in one LLVM module, timed), the others run in the kernel
// interpreter on the same memory (mixed execution). Weights are packed into the kernels' layouts
// once; the 64-byte aligned arena, scratch and a persistent thread pool (flush-to-zero on every
// worker) are allocated once. `run` copies the inputs in, runs the schedule (tile ranges split
// over the pool), and returns the outputs; graph outputs are written straight into the returned
// tensors. Runs are serialised (the arena is shared).
import Foundation
import KernelIR
import Runtime
import TensorCore

public final class JITProgram: @unchecked Sendable {
  /// One executed kernel: kind, backend, tiles and the time it took in the last run.
  public struct KernelReport: Sendable {
    public let index: Int
    public let kind: KernelKind
    public let symbol: String?
    /// Why the interpreter runs it (nil: JIT).
    public let interpretedBecause: String?
    public let tileCount: Int
    public let flops: Int
  }

  enum Step {
    case generated(kernel: CompiledKernel, table: AddressTable, prologue: HostStep?, epilogue: HostStep?)
    case interpreted(InterpreterFallback)
  }

  public let plan: ProgramKernelPlan
  public var program: KernelProgram { plan.program }
  public let threads: Int
  /// Seconds spent generating, optimising and JIT-compiling the kernels.
  public let compileSeconds: Double
  /// Phases of the compilation (generate IR, verify, optimize O3, JIT codegen).
  public let compileTimings: [(phase: String, seconds: Double)]
  public let kernels: [KernelReport]
  /// Seconds per schedule step of the last run (same order as `kernels`).
  public private(set) var lastRunKernelSeconds: [Double]
  /// CPU seconds of the calling thread per step of the last run (with one thread: the kernel's
  /// CPU time, undisturbed by other processes sharing the machine).
  public private(set) var lastRunKernelCallerCPUSeconds: [Double]

  private let steps: [Step]
  private let arena: AlignedBuffer
  private let weights: AlignedBuffer
  private let scratch: AlignedBuffer
  private let pool: ThreadPool
  private let jit: JITCompiler
  private let lock = NSLock()
  private let outputTables: [AddressTable]
  private var outputPointers: [UnsafeMutableRawPointer?]

  /// Compiles `program` (memory-planned) with `weights` keyed by graph parameter name.
  public init(program: KernelProgram, weights: [String: Tensor], options: JITProgramOptions = JITProgramOptions()) throws {
    let threads = options.threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    guard threads >= 1 else { throw JITProgramError.invalidOptions("--threads must be at least 1, got \(threads)") }
    do {
      try KernelVerifier.verify(program)
    } catch {
      throw JITProgramError.unplanned("the program does not verify: \(error)")
    }
    let plan = try ProgramKernelPlan(program: program, options: options, threads: threads)
    try JITProgram.checkRunnable(plan.target)
    self.plan = plan
    self.threads = threads
    arena = try AlignedBuffer(byteCount: max(plan.arenaBytes, 64), zeroed: false)
    HugePageAdvice.advise(arena.baseAddress, byteCount: arena.byteCount)
    // Not zeroed: packing writes every weight buffer whole (padding included), and the gaps between
    // buffers are never read. Zeroing first touched every page twice (for STU-Net-H, 5.4 GiB:
    // most of its compile time went into the kernel clearing pages).
    self.weights = try AlignedBuffer(byteCount: max(plan.weightBytes, 64), zeroed: false)
    HugePageAdvice.advise(self.weights.baseAddress, byteCount: self.weights.byteCount)
    scratch = try AlignedBuffer(byteCount: max(plan.scratchBytes, 64))
    pool = try ThreadPool(threads: threads)
    outputPointers = [UnsafeMutableRawPointer?](repeating: nil, count: plan.program.outputs.count)

    try JITProgram.packWeights(plan: plan, weights: weights, into: self.weights)

    let start = DispatchTime.now().uptimeNanoseconds
    let compiled: [CompiledKernel]
    var timings: [(phase: String, seconds: Double)] = []
    do {
      jit = try JITCompiler(target: plan.target)
      compiled = try ProgramCompilation.compile(
        plan.generators, jit: jit, name: "stunetc_\(program.name)", pipeline: options.optimizationPipeline,
        timings: &timings)
    } catch {
      throw JITProgramError.compilationFailed(kernel: plan.units.first?.kernels.first ?? 0, kind: "module", message: "\(error)")
    }
    compileSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    compileTimings = timings

    let arenaBase = arena.baseAddress
    let weightBase = self.weights.baseAddress
    let scratchBase = scratch.baseAddress
    let resolve = { (location: BufferLocation) -> UnsafeMutableRawPointer? in
      switch location.storage {
      case .arena: return arenaBase + location.byteOffset
      case .weights: return weightBase + location.byteOffset
      case .scratch: return scratchBase + location.byteOffset
      case .output: return nil
      }
    }
    var steps: [Step] = []
    var reports: [KernelReport] = []
    var outputTables: [AddressTable] = []
    for entry in plan.entries {
      switch entry {
      case .generated(let index, let lowered, let unit):
        guard compiled.indices.contains(unit) else {
          throw JITProgramError.compilationFailed(kernel: index, kind: plan.program.kernels[index].kind.rawValue, message: "not compiled")
        }
        let kernel = compiled[unit]
        let table = AddressTable(locations: lowered.slots.locations, resolve: resolve)
        if lowered.slots.locations.contains(where: { if case .output = $0.storage { return true } else { return false } }) {
          outputTables.append(table)
        }
        steps.append(.generated(kernel: kernel, table: table, prologue: lowered.prologue, epilogue: lowered.epilogue))
        reports.append(KernelReport(
          index: index, kind: plan.program.kernels[index].kind, symbol: kernel.name, interpretedBecause: nil,
          tileCount: kernel.tileCount, flops: plan.program.kernels[index].flops))
      case .interpreted(let index, let reason):
        let kernel = plan.program.kernels[index]
        steps.append(.interpreted(try InterpreterFallback(
          kernel: kernel, index: index, reason: reason, program: plan.program, locations: plan.locations, weights: weights)))
        reports.append(KernelReport(
          index: index, kind: kernel.kind, symbol: nil, interpretedBecause: reason, tileCount: 1, flops: kernel.flops))
      }
    }
    self.steps = steps
    self.kernels = reports
    self.outputTables = outputTables
    lastRunKernelSeconds = [Double](repeating: 0, count: steps.count)
    lastRunKernelCallerCPUSeconds = [Double](repeating: 0, count: steps.count)
    HeapRelease.afterCompilation()
  }

  /// Instruction-set features whose absence makes generated code crash (SIGILL, case C33).
  public static let checkedFeatures = [
    "sse4.1", "sse4.2", "avx", "avx2", "fma", "f16c", "bmi", "bmi2", "avx512f", "avx512vl", "avx512bw", "avx512dq",
  ]

  /// Refuses to run code for features this CPU lacks (emitting such code is fine).
  static func checkRunnable(_ target: TargetDescription) throws {
    let host = TargetDescription.detectedHost
    for feature in checkedFeatures where target.hasFeature(feature) && !host.hasFeature(feature) {
      throw JITProgramError.invalidOptions(
        "the target enables +\(feature), which this CPU (\(host.cpu)) lacks: running it would crash with SIGILL; "
          + "drop it from --target-cpu/--target-features, or use 'stunetc compile --emit asm|obj' to generate code for that CPU")
    }
  }

  private static func packWeights(plan: ProgramKernelPlan, weights: [String: Tensor], into storage: AlignedBuffer) throws {
    for buffer in plan.program.buffers {
      guard case .weight(let parameter) = buffer.kind, let location = plan.locations[buffer.name] else { continue }
      guard let tensor = weights[parameter] else { throw JITProgramError.missingWeight(parameter, buffer.type.description) }
      guard tensor.shape == buffer.type.shape else {
        throw JITProgramError.weightShape(parameter, expected: buffer.type.shape, actual: tensor.shape)
      }
      let packed = try WeightPacking.pack(tensor, for: buffer)
      let target = storage.baseAddress + location.byteOffset
      packed.withUnsafeBytes { bytes in
        if let source = bytes.baseAddress { target.copyMemory(from: source, byteCount: min(bytes.count, buffer.byteCount)) }
      }
    }
  }

  /// The address of a location for this run.
  private func address(_ location: BufferLocation) -> UnsafeMutableRawPointer {
    switch location.storage {
    case .arena: return arena.baseAddress + location.byteOffset
    case .weights: return weights.baseAddress + location.byteOffset
    case .scratch: return scratch.baseAddress + location.byteOffset
    case .output(let number): return (outputPointers[number] ?? arena.baseAddress) + location.byteOffset
    }
  }

  /// Runs the program; `inputs` and the result are keyed by buffer name (graph value names).
  public func run(inputs: [String: Tensor]) throws -> [String: Tensor] {
    lock.lock()
    defer { lock.unlock() }
    try copyIn(inputs)
    let outputs = plan.program.outputs
    let directCounts = outputs.map { name -> Int in
      guard plan.directOutputs.contains(name), let buffer = plan.program.buffer(named: name) else { return 0 }
      return buffer.type.elementCount ?? 0
    }
    let arrays = try JITProgram.withArrays(counts: directCounts[...], pointers: []) { pointers in
      for (number, name) in outputs.enumerated() where plan.directOutputs.contains(name) {
        outputPointers[number] = pointers[number]
      }
      defer { for number in outputPointers.indices { outputPointers[number] = nil } }
      for table in outputTables { table.bindOutputs(outputPointers) }
      try execute()
    }
    var results: [String: Tensor] = [:]
    for (number, name) in outputs.enumerated() {
      guard let buffer = plan.program.buffer(named: name) else { continue }
      if plan.directOutputs.contains(name) {
        results[name] = Tensor(shape: buffer.type.shape, data: arrays[number], dtype: buffer.type.dtype)
      } else {
        guard let location = plan.locations[name] else { throw JITProgramError.unsupportedBuffer(name, "has no storage") }
        results[name] = try BufferTensorAccess(buffer, in: plan.program).read(from: address(location))
      }
    }
    return results
  }

  /// Runs a program with one input and one output, writing the output into `output`'s storage
  /// when it already has the right shape (no allocation, no page faults after the first run);
  /// otherwise `output` is replaced by a new tensor.
  public func run(_ input: Tensor, into output: inout Tensor) throws {
    guard let inputBuffer = plan.program.inputBuffers.first, plan.program.inputBuffers.count == 1,
      let outputName = plan.program.outputs.first, plan.program.outputs.count == 1,
      let outputBuffer = plan.program.buffer(named: outputName)
    else {
      output = try run(input)
      return
    }
    guard plan.directOutputs.contains(outputName), output.shape == outputBuffer.type.shape, output.dtype == .f32 else {
      output = try run(input)
      return
    }
    lock.lock()
    defer { lock.unlock() }
    try copyIn([inputBuffer.name: input])
    try output.data.withUnsafeMutableBufferPointer { storage in
      outputPointers[0] = UnsafeMutableRawPointer(storage.baseAddress)
      defer { outputPointers[0] = nil }
      for table in outputTables { table.bindOutputs(outputPointers) }
      try execute()
    }
  }

  /// Runs a program with one input and one output.
  public func run(_ input: Tensor) throws -> Tensor {
    guard let inputBuffer = plan.program.inputBuffers.first, plan.program.inputBuffers.count == 1,
      let outputName = plan.program.outputs.first, plan.program.outputs.count == 1
    else {
      throw JITProgramError.invalidOptions(
        "run(_:) needs a program with one input and one output; use run(inputs:) for @\(plan.program.name)")
    }
    let outputs = try run(inputs: [inputBuffer.name: input])
    guard let output = outputs[outputName] else { throw JITProgramError.unsupportedBuffer(outputName, "was not produced") }
    return output
  }

  /// Checks the inputs and writes them into their buffers in the arena.
  private func copyIn(_ inputs: [String: Tensor]) throws {
    for buffer in plan.program.inputBuffers {
      guard let tensor = inputs[buffer.name] else { throw JITProgramError.missingInput(buffer.name, buffer.type.description) }
      guard tensor.shape == buffer.type.shape else {
        throw JITProgramError.inputShape(buffer.name, expected: buffer.type.shape, actual: tensor.shape)
      }
      guard let location = plan.locations[buffer.name] else { throw JITProgramError.unsupportedBuffer(buffer.name, "has no storage") }
      let target = address(location)
      if buffer.layout == .rowMajor, buffer.type.dtype == .f32, buffer.kind == .input {
        tensor.data.withUnsafeBytes { bytes in
          if let source = bytes.baseAddress { target.copyMemory(from: source, byteCount: bytes.count) }
        }
      } else {
        try BufferTensorAccess(buffer, in: plan.program).write(tensor, to: target)
      }
    }
  }

  private func execute() throws {
    let resolve = { [unowned self] (location: BufferLocation) in self.address(location) }
    for (position, step) in steps.enumerated() {
      let start = DispatchTime.now().uptimeNanoseconds
      let cpuStart = JITProgram.threadCPUSeconds()
      switch step {
      case .generated(let kernel, let table, let prologue, let epilogue):
        prologue?.run(resolve)
        kernel.runUnchecked(addresses: table.pointer, pool: pool, chunkSize: 1)
        epilogue?.run(resolve)
      case .interpreted(let fallback):
        try fallback.run(resolve)
      }
      lastRunKernelSeconds[position] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      lastRunKernelCallerCPUSeconds[position] = JITProgram.threadCPUSeconds() - cpuStart
    }
  }

  private static func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  /// Arrays of `counts` floats (empty for 0), filled by `body` through their base addresses.
  private static func withArrays(
    counts: ArraySlice<Int>, pointers: [UnsafeMutableRawPointer?], _ body: ([UnsafeMutableRawPointer?]) throws -> Void
  ) throws -> [[Float]] {
    guard let count = counts.first else {
      try body(pointers)
      return []
    }
    if count == 0 {
      return [[]] + (try withArrays(counts: counts.dropFirst(), pointers: pointers + [nil], body))
    }
    var rest: [[Float]] = []
    let array = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      HugePageAdvice.advise(UnsafeMutableRawPointer(buffer.baseAddress), byteCount: count * 4)
      rest = try withArrays(counts: counts.dropFirst(), pointers: pointers + [UnsafeMutableRawPointer(buffer.baseAddress)], body)
      initialized = count
    }
    return [array] + rest
  }
}
