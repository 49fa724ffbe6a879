// The CPU that kernels are compiled for: triple, CPU name and feature string, taken from the host
// (LLVMGetHostCPUName / LLVMGetHostCPUFeatures) with optional overrides (--target-cpu,
// --target-features). Kernel generators consult the confirmed features (AVX2, FMA, AVX-512F)
// instead of assuming them: AVX-512 is never used unless the target says it exists (case C33).
import CLLVM

public struct TargetDescription: Hashable, Sendable, CustomStringConvertible {
  public var triple: String
  public var cpu: String
  /// Comma-separated LLVM feature string, e.g. "+avx2,+fma,-avx512f".
  public var features: String

  public init(triple: String, cpu: String, features: String) {
    self.triple = triple
    self.cpu = cpu
    self.features = features
  }

  /// The machine we are running on, with optional overrides. A CPU override replaces the host's
  /// CPU *and* its feature list (features then come from the CPU name, see `impliedFeatures`); a
  /// feature override is appended, so that "+x"/"-x" entries win over what came before.
  public static func host(cpuOverride: String? = nil, featureOverride: String? = nil) -> TargetDescription {
    LLVMSetup.initializeNativeTarget()
    let triple = BackendError.takeMessage(LLVMGetDefaultTargetTriple())
    var cpu = BackendError.takeMessage(LLVMGetHostCPUName())
    var features = BackendError.takeMessage(LLVMGetHostCPUFeatures())
    if let cpuOverride, !cpuOverride.isEmpty {
      cpu = cpuOverride
      features = TargetDescription.impliedFeatures(ofCPU: cpuOverride)
    }
    if let featureOverride, !featureOverride.isEmpty {
      features = features.isEmpty ? featureOverride : features + "," + featureOverride
    }
    return TargetDescription(triple: triple, cpu: cpu, features: features)
  }

  /// Features implied by well-known x86 CPU names (LLVM's C API cannot list them). Unknown names
  /// imply nothing, so kernels fall back to code without AVX2/FMA assumptions.
  public static func impliedFeatures(ofCPU cpu: String) -> String {
    let avx2FMA = "+avx,+avx2,+fma,+f16c,+bmi,+bmi2"
    let avx512 = avx2FMA + ",+avx512f,+avx512vl,+avx512bw,+avx512dq"
    switch cpu {
    case "haswell", "broadwell", "skylake", "alderlake", "raptorlake", "x86-64-v3",
      "znver1", "znver2", "znver3":
      return avx2FMA
    case "skylake-avx512", "cascadelake", "icelake-server", "sapphirerapids", "x86-64-v4", "znver4", "znver5":
      return avx512
    default:
      return ""
    }
  }

  /// The effective state of one feature: the last "+name" or "-name" entry decides.
  public func hasFeature(_ name: String) -> Bool {
    var enabled = false
    for entry in features.split(separator: ",") {
      var trimmed = entry
      while trimmed.first == " " { trimmed = trimmed.dropFirst() }
      while trimmed.last == " " { trimmed = trimmed.dropLast() }
      guard let sign = trimmed.first, trimmed.dropFirst() == name else { continue }
      if sign == "+" { enabled = true } else if sign == "-" { enabled = false }
    }
    return enabled
  }

  public var hasAVX: Bool { hasFeature("avx") }
  public var hasAVX2: Bool { hasFeature("avx2") }
  public var hasFMA: Bool { hasFeature("fma") }
  public var hasAVX512F: Bool { hasFeature("avx512f") }

  /// How many <8 x float> values fit in registers: 32 ymm with AVX-512VL, 16 ymm with AVX, and
  /// 8 (pairs of xmm) without AVX. Register tiles are sized from this, never from assumptions.
  public var eightLaneVectorRegisters: Int {
    if hasAVX512F && hasFeature("avx512vl") { return 32 }
    return hasAVX ? 16 : 8
  }

  /// The host as detected once per process (no overrides).
  public static let detectedHost = TargetDescription.host()

  /// The features that matter to kernel selection, in words.
  public var description: String {
    "\(triple) cpu=\(cpu) avx2=\(hasAVX2) fma=\(hasFMA) avx512f=\(hasAVX512F)"
  }

  /// A new LLVM target machine for this description. The caller owns the result.
  func makeTargetMachine(
    optimization: LLVMCodeGenOptLevel = LLVMCodeGenLevelAggressive,
    relocation: LLVMRelocMode = LLVMRelocDefault,
    codeModel: LLVMCodeModel = LLVMCodeModelDefault
  ) throws -> LLVMTargetMachineRef {
    LLVMSetup.initializeNativeTarget()
    var target: LLVMTargetRef?
    var message: UnsafeMutablePointer<CChar>?
    if LLVMGetTargetFromTriple(triple, &target, &message) != 0 || target == nil {
      throw BackendError.targetUnavailable(triple: triple, message: BackendError.takeMessage(message))
    }
    guard let machine = LLVMCreateTargetMachine(target, triple, cpu, features, optimization, relocation, codeModel)
    else { throw BackendError.targetMachineCreationFailed(triple: triple, cpu: cpu) }
    return machine
  }
}
