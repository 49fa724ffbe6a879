// Lowering: a verified Graph IR (optimised by the graph passes or not) to the Kernel IR.
// Every op kind lowers, fused or not: convolutions (any number of concatenated inputs, with bias,
// residual, LeakyReLU and statistics epilogues), instance norm as statistics + an element-wise
// norm_act kernel (that the memory planner runs in place), element-wise ops, resampling,
// concatenation (eliminated, written through views, or copied), softmax and argmax.
// Layouts come from `LayoutAssignment`, groups from `FusionAnalysis`, tiles from `TileHeuristics`,
// costs from `CostModel`. Weights must be graph parameters (they are packed at compile time).

import GraphIR

public struct LoweringOptions: Hashable, Sendable {
  /// Group nodes into fused kernels (see FusionAnalysis). Off: one kernel per node.
  public var fuse: Bool
  /// Drop kernels whose results nobody reads (e.g. the deep-supervision heads of an unoptimised graph).
  public var eliminateDeadKernels: Bool

  public init(fuse: Bool = true, eliminateDeadKernels: Bool = true) {
    self.fuse = fuse
    self.eliminateDeadKernels = eliminateDeadKernels
  }
}

public enum Lowering {
  /// Lowers `graph` for `target`. The program has live intervals but no offsets: run the memory
  /// planner next.
  public static func lower(
    _ graph: Graph, target: TargetDescription, options: LoweringOptions = LoweringOptions()
  ) throws -> KernelProgram {
    try Verifier.verify(graph)
    guard target.vectorWidth >= 1, target.threads >= 1, target.alignment >= 1 else {
      throw KernelIRError(.lowering, at: "target \(target.name)", "vector width, threads and alignment must be >= 1")
    }
    let lowering = GraphLowering(graph, target: target, options: options)
    var program = try lowering.run()
    if options.eliminateDeadKernels { DeadKernelElimination.run(&program) }
    Liveness.assign(&program)
    try KernelVerifier.verify(program)
    return program
  }
}
