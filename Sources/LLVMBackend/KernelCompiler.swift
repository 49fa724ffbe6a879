// Turns kernel generators into machine code: one LLVM module per batch of kernels, verified,
// optimised with "default<O3>" for the target, then either JIT-compiled (in process) or emitted as
// LLVM IR, assembly or an object file. Timings of each phase are recorded for --time-passes.
import CLLVM
import Foundation

public final class KernelCompiler {
  public let target: TargetDescription
  public let jit: JITCompiler
  public private(set) var timings: [(phase: String, seconds: Double)] = []
  private var moduleCounter = 0

  public init(target: TargetDescription = .host()) throws {
    self.target = target
    self.jit = try JITCompiler(target: target)
  }

  /// Builds, verifies and optimises a module holding the given kernels.
  public func buildModule(_ generators: [KernelGenerator], name: String? = nil, optimize: Bool = true) throws -> KernelModule {
    moduleCounter += 1
    let module = try KernelModule(name: name ?? "stunetc_kernels_\(moduleCounter)", target: target)
    try measure("generate IR") {
      for generator in generators {
        let builder = try KernelFunctionBuilder(
          module: module, name: generator.kernelName, bufferCount: generator.buffers.count)
        try generator.emitBody(builder)
        builder.finish()
      }
    }
    try measure("verify") { try module.verify() }
    if optimize { try measure("optimize O3") { try module.optimize() } }
    return module
  }

  /// JIT-compiles the kernels and returns them callable, in the order given.
  public func compile(_ generators: [KernelGenerator], name: String? = nil) throws -> [CompiledKernel] {
    let module = try buildModule(generators, name: name)
    try jit.add(module)
    return try measure("JIT codegen") {
      try generators.map { generator in
        let entry = try jit.function(named: generator.kernelName, as: KernelEntryPoint.self)
        return CompiledKernel(generator: generator, entryPoint: entry, owner: jit)
      }
    }
  }

  /// JIT-compiles one kernel.
  public func compile(_ generator: KernelGenerator) throws -> CompiledKernel {
    let kernels = try compile([generator])
    guard let kernel = kernels.first else { throw BackendError.symbolNotFound(name: generator.kernelName, message: "no kernel built") }
    return kernel
  }

  private func measure<Result>(_ phase: String, _ body: () throws -> Result) rethrows -> Result {
    let start = DispatchTime.now().uptimeNanoseconds
    defer { timings.append((phase, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)) }
    return try body()
  }
}
