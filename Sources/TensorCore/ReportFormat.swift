// Number and table formatting for human-readable reports, shared by stunetc (Driver) and the
// standalone runner stunet-model (which cannot link the Driver: it depends on LLVM): grouped
// integers, byte sizes, aligned text tables and durations.
import Foundation

public enum ReportFormat {
  /// "1,234,567".
  public static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
      out.append(character)
    }
    return value < 0 ? "-" + out : out
  }

  /// "512 B", "1.50 KiB", "384.50 MiB".
  public static func bytes(_ value: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var amount = Double(value)
    var unit = 0
    while amount >= 1024 && unit < units.count - 1 {
      amount /= 1024
      unit += 1
    }
    return unit == 0 ? "\(value) B" : String(format: "%.2f %@", amount, units[unit])
  }

  /// Text columns: left-aligned, numbers right-aligned (the first column always left).
  public static func table(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
      row.enumerated().map { index, cell in
        let isNumber = Double(cell.replacingOccurrences(of: ",", with: "").split(separator: " ").first ?? "") != nil
        let pad = String(repeating: " ", count: max(0, (index < widths.count ? widths[index] : cell.count) - cell.count))
        return isNumber && index > 0 ? pad + cell : cell + pad
      }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
  }

  /// "4.2 s", "3m07s".
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    let whole = Int(seconds.rounded())
    return String(format: "%dm%02ds", whole / 60, whole % 60)
  }
}
