// The fingerprint that ties a weights.bin to its model.o: FNV-1a over everything that decides
// where the code looks for its weights and how it uses its memory (name, target, arena size, the
// weight entries, every launch with its regions, the inputs and outputs). Weight values are not
// part of it (the blob's own checksum covers them), so recompiling with other weights of the same
// network and layout keeps the fingerprint.
import AOTRuntime
import LLVMBackend

public enum ModelFingerprint {
  static func compute(_ schedule: AOTSchedule) -> String {
    var hasher = FNV1a()
    hasher.add("stunet-aot-abi-1\n\(schedule.name)\n\(schedule.target.triple)\n\(schedule.target.cpu)\n")
    hasher.add("\(schedule.target.features)\nscratch \(schedule.scratchBytes) align \(schedule.alignment)\n")
    for entry in schedule.weights.entries { hasher.add("w \(entry.name) \(entry.offset) \(entry.byteCount)\n") }
    for step in schedule.steps {
      hasher.add("k \(step.generator.kernelName) \(step.generator.tileCount)")
      for region in step.buffers { hasher.add(" \(region)") }
      hasher.add("\n")
    }
    for tensor in schedule.inputs { hasher.add("in \(tensor.name) \(tensor.shape) \(tensor.scratchOffset ?? -1) \(tensor.elementType)\n") }
    for tensor in schedule.outputs { hasher.add("out \(tensor.name) \(tensor.shape) \(tensor.scratchOffset ?? -1) \(tensor.elementType)\n") }
    return hasher.hex
  }

  /// Instruction-set extensions the kernels may use, as LLVM feature names (checked by the runner).
  public static func requiredCPUFeatures(_ target: LLVMBackend.TargetDescription) -> [String] {
    let watched = [
      "sse4.1", "sse4.2", "avx", "avx2", "fma", "f16c", "bmi", "bmi2", "avx512f", "avx512vl", "avx512bw", "avx512dq",
    ]
    return watched.filter { target.hasFeature($0) }
  }
}
