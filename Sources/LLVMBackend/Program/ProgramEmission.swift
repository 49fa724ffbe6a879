// Ahead-of-time views of a program's kernels without running them: the whole LLVM module (or one
// module per kernel) as optimised LLVM IR, native assembly or a relocatable object file, for
// `stunetc compile --emit llvm|asm|obj` and `--dump-dir`. Uses the same plan and generators as
// the JIT, so what is printed is what runs.
import Foundation
import KernelIR

public enum ProgramEmission {
  public enum Kind: String, CaseIterable, Sendable {
    case llvm, assembly = "asm", object = "obj"

    /// File extension of one emitted unit.
    public var fileExtension: String {
      switch self {
      case .llvm: return "ll"
      case .assembly: return "s"
      case .object: return "o"
      }
    }
  }

  /// One emitted module: its name and its bytes (text for LLVM IR and assembly).
  public struct Unit: Sendable {
    public let name: String
    public let bytes: [UInt8]
    public var text: String { String(decoding: bytes, as: UTF8.self) }
  }

  /// The plan the JIT would run for `program` with `options`.
  public static func plan(_ program: KernelProgram, options: JITProgramOptions) throws -> ProgramKernelPlan {
    let threads = options.threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    return try ProgramKernelPlan(program: program, options: options, threads: threads)
  }

  /// All generated kernels in one module; `timings` receives the phases.
  public static func wholeModule(
    _ kind: Kind, program: KernelProgram, options: JITProgramOptions, timings: inout [(phase: String, seconds: Double)]
  ) throws -> Unit {
    let plan = try plan(program, options: options)
    let name = "stunetc_\(program.name)"
    let module = try ProgramCompilation.buildModule(
      plan.generators, target: plan.llvmTarget, name: name, pipeline: options.optimizationPipeline,
      timings: &timings)
    return Unit(name: name, bytes: try bytes(of: module, kind))
  }

  /// One module per generated kernel, named after the kernel's symbol.
  public static func perKernel(_ kind: Kind, program: KernelProgram, options: JITProgramOptions) throws -> [Unit] {
    let plan = try plan(program, options: options)
    var timings: [(phase: String, seconds: Double)] = []
    return try plan.generators.map { generator in
      let module = try ProgramCompilation.buildModule(
        [generator], target: plan.llvmTarget, name: generator.kernelName, pipeline: options.optimizationPipeline,
        timings: &timings)
      return Unit(name: generator.kernelName, bytes: try bytes(of: module, kind))
    }
  }

  private static func bytes(of module: KernelModule, _ kind: Kind) throws -> [UInt8] {
    switch kind {
    case .llvm: return Array(try module.llvmIR().utf8)
    case .assembly: return Array(try module.assembly().utf8)
    case .object: return try module.objectFile()
    }
  }
}
