// The options of every command that runs or code-generates a model: which backend executes it
// (the JIT by default, or the reference interpreter) and how the JIT compiles it (threads of the
// persistent pool, LLVM CPU and feature overrides; features are confirmed, never assumed).
import KernelIR
import LLVMBackend

public struct BackendOptions {
  public enum Backend: String, CaseIterable, Sendable {
    case jit, interpreter
  }

  public var backend: Backend
  public var jit: JITProgramOptions

  public init(backend: Backend = .jit, jit: JITProgramOptions = JITProgramOptions()) {
    self.backend = backend
    self.jit = jit
  }

  /// `--threads`, `--target-cpu`, `--target-features` (code generation).
  public static let codegenOptions: [OptionSpec] = [
    .option("threads", "N", "threads of the JIT's persistent pool (default: one per core)"),
    .option("target-cpu", "NAME", "LLVM CPU to generate code for instead of the host's (e.g. haswell, x86-64-v3)"),
    .option("target-features", "LIST", "LLVM features to add or remove, e.g. +avx2,+fma,-avx512f"),
  ]

  /// `--backend` plus the code-generation options.
  public static let options: [OptionSpec] =
    [.option("backend", "NAME", "jit (LLVM-compiled kernels, default) or interpreter (reference)")] + codegenOptions

  public static func parse(_ arguments: ParsedArguments) throws -> BackendOptions {
    let name = arguments.value("backend") ?? Backend.jit.rawValue
    guard let backend = Backend(rawValue: name) else {
      throw CommandLineError("unknown backend '\(name)': choose \(Backend.allCases.map(\.rawValue).joined(separator: " or "))")
    }
    var jit = JITProgramOptions()
    if let threads = try arguments.integer("threads") {
      guard threads >= 1, threads <= 4096 else { throw CommandLineError("--threads must be between 1 and 4096, got \(threads)") }
      jit.threads = threads
    }
    jit.targetCPU = arguments.value("target-cpu")
    jit.targetFeatures = arguments.value("target-features")
    if let features = jit.targetFeatures {
      for entry in features.split(separator: ",") where !(entry.hasPrefix("+") || entry.hasPrefix("-")) {
        throw CommandLineError("--target-features entries start with + or -, got '\(entry)' in '\(features)'")
      }
    }
    return BackendOptions(backend: backend, jit: jit)
  }

  /// The Kernel IR target the JIT lowers for: 8-channel blocking (its kernels use <8 x float>),
  /// thread split attributes for the chosen pool size.
  public static func loweringTarget(threads: Int?) -> KernelIR.TargetDescription {
    var target = KernelIR.TargetDescription.avx2
    if let threads { target.threads = threads }
    return target
  }
}
