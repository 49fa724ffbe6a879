// Options of a JIT-compiled program: threads of its persistent pool, the LLVM target overrides,
// kernel kinds to leave to the interpreter (mixed execution on purpose, for tests and triage),
// and whether graph outputs are written straight into the caller's result arrays (the default:
// their bytes then leave the arena, which is compacted).
import KernelIR

public struct JITProgramOptions: Sendable {
  /// Participants of the thread pool (the calling thread included); nil: one per online core.
  public var threads: Int?
  /// `--target-cpu`: an LLVM CPU name replacing the host's (its features follow from the name).
  public var targetCPU: String?
  /// `--target-features`: "+feature,-feature" entries appended to the CPU's.
  public var targetFeatures: String?
  /// Kernel kinds that run in the interpreter even when the JIT has a generator for them.
  public var interpretedKinds: Set<KernelKind>
  /// Write f32 NCDHW graph outputs directly into the returned tensors (no arena copy).
  public var writesOutputsDirectly: Bool
  /// The LLVM new-pass-manager pipeline run on the module before code generation.
  public var optimizationPipeline: String
  /// Unroll the convolution micro-kernel over the 8 input lanes (faster kernels, ~8x more code
  /// to compile) instead of looping over them.
  public var unrolledLanes: Bool

  public init(
    threads: Int? = nil, targetCPU: String? = nil, targetFeatures: String? = nil, interpretedKinds: Set<KernelKind> = [],
    writesOutputsDirectly: Bool = true, optimizationPipeline: String = JITProgramOptions.kernelPipeline,
    unrolledLanes: Bool = true
  ) {
    self.unrolledLanes = unrolledLanes
    self.optimizationPipeline = optimizationPipeline
    self.threads = threads
    self.targetCPU = targetCPU
    self.targetFeatures = targetFeatures
    self.interpretedKinds = interpretedKinds
    self.writesOutputsDirectly = writesOutputsDirectly
  }

  /// The default optimisation: the generated kernels are already vectorised and unrolled where it
  /// matters, so they need promotion of their variables to registers, folding, redundancy
  /// elimination and hoisting of loop invariants, not O2's unrolling and vectorisation passes
  /// (measured: same kernel speed, 2-3x less compile time than default<O2> on STU-Net-S).
  public static let kernelPipeline =
    "always-inline,function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,loop-mssa(licm),gvn,instcombine<no-verify-fixpoint>,simplifycfg)"

  /// The LLVM target the kernels are compiled for.
  public var llvmTarget: TargetDescription {
    TargetDescription.host(cpuOverride: targetCPU, featureOverride: targetFeatures)
  }
}
