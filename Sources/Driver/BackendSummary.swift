// Human-readable summaries of a JIT-compiled program: what `--print-after=jit-compile` and the
// `jit-compile` dump show (target, threads, arena, compile phases, every kernel with its backend),
// and the per-kernel timing table of a run (the most expensive kernels first).
import Foundation
import KernelIR
import LLVMBackend

enum BackendSummary {
  static func describe(_ jit: JITProgram) -> String {
    var lines = [
      "// JIT program @\(jit.program.name): \(jit.plan.llvmTarget), \(jit.threads) threads",
      "// arena \(jit.plan.arenaBytes) bytes; \(jit.plan.units.count) compiled functions for \(jit.kernels.count) kernels",
      "// compile \(Format.seconds(jit.compileSeconds)): "
        + jit.compileTimings.map { "\($0.phase) \(Format.seconds($0.seconds))" }.joined(separator: ", "),
    ]
    for report in jit.kernels {
      let backend = report.interpretedBecause.map { "interpreter (\($0))" } ?? "jit \(report.symbol ?? "")"
      lines.append("k\(report.index) \(report.kind.rawValue): \(backend), \(report.tileCount) tiles")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The `count` kernels that took longest in the last run, with GFLOP/s and share of the total.
  static func slowestKernels(_ jit: JITProgram, count: Int) -> String {
    let total = jit.lastRunKernelSeconds.reduce(0, +)
    let ranked = zip(jit.kernels, jit.lastRunKernelSeconds).sorted { $0.1 > $1.1 }.prefix(count)
    var lines = ["kernel times of the last run (\(Format.seconds(total)) in kernels):"]
    for (report, seconds) in ranked {
      let rate = seconds > 0 ? Double(report.flops) / seconds / 1e9 : 0
      lines.append(
        "  k\(report.index) \(report.kind.rawValue): \(Format.seconds(seconds)) "
          + String(format: "(%.1f%%, %.1f GFLOP/s)", total > 0 ? seconds / total * 100 : 0, rate))
    }
    return lines.joined(separator: "\n")
  }
}
