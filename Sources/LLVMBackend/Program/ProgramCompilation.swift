// Builds the LLVM module of a program's kernels and JIT-compiles it, with an optimisation
// pipeline of the caller's choice. The generated IR is already vectorised and unrolled where it
// matters (register tiles, kw and lane loops), so the default pipeline
// (JITProgramOptions.kernelPipeline) is much lighter than the kernel benchmarks' O3: same kernel
// speed, a fraction of the compile time on large programs. STUNETC_LLVM_ARGS (e.g.
// "-time-passes") passes options to LLVM once per process, for investigating compile time.
import CLLVM
import Foundation

enum LLVMDebugOptions {
  static let applied: Bool = {
    guard let text = ProcessInfo.processInfo.environment["STUNETC_LLVM_ARGS"] else { return false }
    let arguments = ["stunetc"] + text.split(separator: " ").map(String.init)
    var pointers = arguments.map { strdup($0) }
    pointers.withUnsafeMutableBufferPointer { buffer in
      buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { LLVMParseCommandLineOptions(Int32(arguments.count), $0.baseAddress, nil) }
    }
    return true
  }()
}

enum ProgramCompilation {
  /// Builds and verifies a module holding `generators`, optimised with `pipeline` (nil: none).
  static func buildModule(
    _ generators: [KernelGenerator], target: TargetDescription, name: String, pipeline: String?,
    timings: inout [(phase: String, seconds: Double)]
  ) throws -> KernelModule {
    _ = LLVMDebugOptions.applied
    let module = try KernelModule(name: name, target: target)
    try measure("generate IR", &timings) {
      for generator in generators {
        let builder = try KernelFunctionBuilder(module: module, name: generator.kernelName, bufferCount: generator.buffers.count)
        try generator.emitBody(builder)
        builder.finish()
      }
    }
    try measure("verify", &timings) { try module.verify() }
    if let pipeline { try measure("optimize \(pipeline)", &timings) { try module.optimize(pipeline: pipeline) } }
    return module
  }

  /// JIT-compiles `generators` in one module; returns them callable, in order.
  static func compile(
    _ generators: [KernelGenerator], jit: JITCompiler, name: String, pipeline: String,
    timings: inout [(phase: String, seconds: Double)]
  ) throws -> [CompiledKernel] {
    let module = try buildModule(generators, target: jit.target, name: name, pipeline: pipeline, timings: &timings)
    try jit.add(module)
    return try measure("JIT codegen", &timings) {
      try generators.map { generator in
        let entry = try jit.function(named: generator.kernelName, as: KernelEntryPoint.self)
        return CompiledKernel(generator: generator, entryPoint: entry, owner: jit)
      }
    }
  }

  private static func measure<Result>(
    _ phase: String, _ timings: inout [(phase: String, seconds: Double)], _ body: () throws -> Result
  ) rethrows -> Result {
    let start = DispatchTime.now().uptimeNanoseconds
    defer { timings.append((phase, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)) }
    return try body()
  }
}
