// The closing summary of a segmentation (`stunetc segment`, `stunet-model segment`): what the
// pipeline did to the geometry (crop box, resampled and padded grids, tiles), non-finite voxels
// replaced, labels found, then the wall time of every stage and the peak memory of the process.
import Foundation
import Segmentation
import TensorCore

public enum PipelineSummary {
  /// `extraStages` are the caller's own stages: "read" and "model" go before the pipeline's, the
  /// rest (writing, preview) after them.
  public static func text(
    report: PipelineReport, input: String, output: String, backend: String, extraStages: [StageTiming]
  ) -> String {
    func grid(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
    var lines = ["segmented \(input) -> \(output)"]
    let spacing = report.originalSpacing.map { String(format: "%.4g", $0) }.joined(separator: "x")
    lines.append("  input (k,j,i)     \(grid(report.originalShape)) voxels of \(spacing) mm")
    let whole = report.cropBox.shape == report.originalShape
    lines.append("  nonzero crop box  \(report.cropBox)\(whole ? " (whole volume)" : ", " + grid(report.cropBox.shape))")
    lines.append("  non-finite voxels \(ReportFormat.grouped(report.nonFiniteCount)) replaced by 0")
    lines.append(
      "  resampled         \(grid(report.resampling.outputShape))"
        + (report.resampling.separateAxis.map { " (axis \($0) order 0: anisotropic)" } ?? "")
        + "; padded \(grid(report.paddedShape))")
    let perAxis = report.tileStarts.map { String($0.count) }.joined(separator: "x")
    lines.append(
      "  tiles             \(perAxis) = \(report.tileCount), \(report.passesPerTile) pass(es) each"
        + (report.usesImportanceMap ? ", Gaussian-weighted" : ", no Gaussian (one tile)"))
    lines.append("  mode              \(report.mode.rawValue)\(report.testTimeAugmentation ? " with 8-way mirroring" : ""), \(backend) backend")
    let foreground = report.labelsPresent.filter { $0 != 0 }
    let shown = foreground.prefix(24).map(String.init).joined(separator: " ")
    lines.append(
      "  labels present    \(foreground.count) of \(report.classes - 1) foreground classes"
        + (foreground.isEmpty ? "" : ": " + shown + (foreground.count > 24 ? " ..." : "")))
    lines.append("time per stage:")
    let stages = extraStages.filter { $0.name == "read" || $0.name == "model" } + report.stages
      + extraStages.filter { $0.name != "read" && $0.name != "model" }
    var rows = [["stage", "seconds"]]
    for stage in stages { rows.append([stage.name, String(format: "%.2f", stage.seconds)]) }
    rows.append(["total", String(format: "%.2f", stages.reduce(0) { $0 + $1.seconds })])
    lines += ReportFormat.table(rows).split(separator: "\n").map { "  " + $0 }
    lines.append(
      "peak memory: \(ReportFormat.bytes(ProcessMemory.peakResidentBytes)) resident (max RSS of the process); "
        + "aggregation band \(ReportFormat.bytes(report.aggregationBandBytes))")
    return lines.joined(separator: "\n")
  }
}
