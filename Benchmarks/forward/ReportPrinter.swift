// Human-readable tables of benchmark results: one block per case (timings, arithmetic, peak, memory,
// costliest kernels, peers) and a one-line-per-case summary at the end.
import Foundation

enum ReportPrinter {
  static func block(_ result: BenchmarkResult) -> String {
    var lines: [String] = []
    let shape = result.inputShape.map(String.init).joined(separator: "x")
    lines.append("\(result.model)  input \(shape)  backend \(result.backend)  threads \(result.threads)")
    lines.append("  configuration  \(result.configuration)")
    lines.append("  threading      \(result.threadingNote)")
    lines.append("  weights        \(result.weights)")
    let phases = result.compilePhases.filter { !$0.name.contains("/") }.sorted { $0.seconds > $1.seconds }.prefix(4)
      .map { String(format: "%@ %.2f s", $0.name, $0.seconds) }.joined(separator: ", ")
    lines.append(String(format: "  compile        %.2f s (largest phases: %@)", result.compileSeconds, phases))
    lines.append(
      String(
        format: "  forward        median %.3f s, min %.3f s over %d runs after %d warm-up [%@]", result.seconds.median,
        result.seconds.min, result.seconds.runs.count, result.warmupRuns,
        result.seconds.runs.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
    lines.append(
      String(
        format: "  CPU time       median %.2f s per run (%.2f cores busy)", Statistics.median(result.cpuSeconds),
        Statistics.median(result.cpuSeconds) / result.seconds.median))
    lines.append(
      String(
        format: "  arithmetic     %.1f GMAC in the optimised graph (%.1f before) = %.1f GFLOP -> %.1f GFLOP/s",
        Double(result.macs) / 1e9, Double(result.macsBeforeOptimisation) / 1e9, 2 * Double(result.macs) / 1e9,
        result.gflops))
    let peaks = result.peaks.map {
      String(format: "%d thread(s) %.1f (wall best %.1f, CPU-time best %.1f)", $0.threads, $0.peakGflops, $0.bestGflops, $0.bestCPUGflops)
    }.joined(separator: "; ")
    lines.append("  peak probe     \(peaks) GFLOP/s")
    lines.append(String(format: "  %% of peak      %.1f %% of the %d-thread peak", result.percentOfPeak, result.threads))
    lines.append(
      "  peak RSS       \(bytes(result.peakMemory.ruMaxRSSBytes)) (ru_maxrss), "
        + "\(result.peakMemory.vmHWMBytes.map(bytes) ?? "n/a") (VmHWM)")
    lines.append(
      "  load average   " + result.loadAverageBefore.map { String(format: "%.2f", $0) }.joined(separator: " ") + " before, "
        + result.loadAverageAfter.map { String(format: "%.2f", $0) }.joined(separator: " ") + " after")
    if let kernels = result.topKernels, !kernels.isEmpty {
      lines.append("  most expensive kernels (median over the timed runs):")
      var rows = [["#", "kernel", "op", "seconds", "share", "GFLOP", "GFLOP/s", "% peak"]]
      for kernel in kernels {
        rows.append([
          "\(kernel.rank)", kernel.name, kernel.op, String(format: "%.3f", kernel.medianSeconds),
          String(format: "%.1f %%", 100 * kernel.share), String(format: "%.2f", kernel.gflop),
          String(format: "%.1f", kernel.gflops), String(format: "%.1f", kernel.percentOfPeak),
        ])
      }
      lines.append(indent(table(rows), by: 4))
    }
    if let peers = result.peers {
      lines.append("  peers (same model and input, \(result.threads) thread(s)):")
      var rows = [["peer", "version", "median s", "min s", "peak RSS", "time ratio", "RSS ratio"]]
      var skippedLines: [String] = []
      for peer in peers {
        if let skipped = peer.skipped {
          skippedLines.append("    \(peer.peer): skipped (\(skipped))")
          continue
        }
        rows.append([
          peer.peer, peer.version ?? "?", peer.seconds.map { String(format: "%.3f", $0.median) } ?? "-",
          peer.seconds.map { String(format: "%.3f", $0.min) } ?? "-", peer.peakRSSBytes.map(bytes) ?? "-",
          peer.timeRatio.map { String(format: "%.2fx", $0) } ?? "-",
          peer.memoryRatio.map { String(format: "%.2fx", $0) } ?? "-",
        ])
      }
      if rows.count > 1 { lines.append(indent(table(rows, leftColumns: 2), by: 4)) }
      lines += skippedLines
      lines += peers.compactMap { peer in peer.details.map { "    \(peer.peer): \($0)" } }
      lines.append("    (ratio = peer / stunetc: above 1 means stunetc is faster or smaller)")
    }
    return lines.joined(separator: "\n")
  }

  static func summary(_ results: [BenchmarkResult]) -> String {
    var rows = [["model", "input", "backend", "threads", "median s", "min s", "GFLOP/s", "% peak", "peak RSS", "compile s"]]
    for result in results {
      rows.append([
        result.model, result.inputShape.map(String.init).joined(separator: "x"), result.backend, "\(result.threads)",
        String(format: "%.3f", result.seconds.median), String(format: "%.3f", result.seconds.min),
        String(format: "%.1f", result.gflops), String(format: "%.1f", result.percentOfPeak),
        bytes(result.peakMemory.ruMaxRSSBytes), String(format: "%.2f", result.compileSeconds),
      ])
    }
    return table(rows)
  }

  static func bytes(_ value: Int) -> String {
    value >= 1 << 30
      ? String(format: "%.2f GiB", Double(value) / Double(1 << 30)) : String(format: "%.0f MiB", Double(value) / Double(1 << 20))
  }

  static func indent(_ text: String, by count: Int) -> String {
    let prefix = String(repeating: " ", count: count)
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n")
  }

  /// Columns padded to their widest cell; the first `leftColumns` left-aligned, the rest right-aligned.
  static func table(_ rows: [[String]], leftColumns: Int = 3) -> String {
    var widths: [Int] = []
    for row in rows {
      for (index, cell) in row.enumerated() {
        if index >= widths.count { widths.append(0) }
        widths[index] = max(widths[index], cell.count)
      }
    }
    return rows.map { row in
      row.enumerated().map { index, cell in
        let pad = String(repeating: " ", count: widths[index] - cell.count)
        return index < leftColumns ? cell + pad : pad + cell
      }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
  }
}
