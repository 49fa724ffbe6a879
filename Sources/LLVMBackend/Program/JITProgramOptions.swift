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

  public init(
    threads: Int? = nil, targetCPU: String? = nil, targetFeatures: String? = nil, interpretedKinds: Set<KernelKind> = [],
    writesOutputsDirectly: Bool = true, optimizationPipeline: String = "default<O2>"
  ) {
    self.optimizationPipeline = optimizationPipeline
    self.threads = threads
    self.targetCPU = targetCPU
    self.targetFeatures = targetFeatures
    self.interpretedKinds = interpretedKinds
    self.writesOutputsDirectly = writesOutputsDirectly
  }

  /// The LLVM target the kernels are compiled for.
  public var llvmTarget: TargetDescription {
    TargetDescription.host(cpuOverride: targetCPU, featureOverride: targetFeatures)
  }
}
