// Every graph pass by name, and the default optimisation pipeline for STU-Net. The order matters:
// clean up first (dce, cse), then the exact algebraic rewrites on plain ops (commute, drop bias),
// then fusion from the largest pattern to the smallest, then concat folding (needs fused convs),
// then scheduling on the final op list. Docs/passes.md explains each step.
import GraphIR

public enum PassRegistry {
  /// All passes, in default-pipeline order.
  public static var all: [any GraphPass] {
    [
      DeadCodeElimination(),
      CommonSubexpressionElimination(),
      CommuteUpsamplePointwiseConvolution(),
      DropBiasBeforeInstanceNorm(),
      FuseConvolutionNormResidualActivation(),
      FuseConvolutionNormActivation(),
      FusePlainConvolution(),
      FoldConcatIntoConvolution(),
      MemoryAwareScheduling(),
    ]
  }

  public static var names: [String] { all.map(\.name) }

  /// The pass called `name`, or `PassError.unknownPass` listing the valid names.
  public static func pass(named name: String, flag: String = "passes") throws -> any GraphPass {
    guard let pass = all.first(where: { $0.name == name }) else {
      throw PassError.unknownPass(name, flag: flag, valid: names)
    }
    return pass
  }

  /// A pipeline from a comma-separated list of pass names (`dce,cse,fuse-plain-conv`).
  public static func pipeline(parsing text: String, flag: String = "passes") throws -> [any GraphPass] {
    try text.split(separator: ",").map { try pass(named: String($0).trimmingSpaces, flag: flag) }
  }
}

/// The default graph optimisation pipeline (every registered pass, in order).
public func optimizationPipeline() -> [any GraphPass] {
  PassRegistry.all
}

/// Runs the default pipeline without instrumentation (for `stunetc info --optimized` and tests).
public func optimize(_ graph: Graph) throws -> Graph {
  try PassRunner(output: { _ in }).run(graph, passes: optimizationPipeline())
}
