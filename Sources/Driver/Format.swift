// Number formatting particular to stunetc's reports (FLOP counts, shares, seconds); grouped
// integers, byte sizes and tables are TensorCore.ReportFormat's, shared with the runner.
import Foundation

enum Format {
  static func giga(_ value: Int) -> String { String(format: "%.2f", Double(value) / 1e9) }

  static func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

  static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }
}
