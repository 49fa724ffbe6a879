// Number and table formatting for human-readable reports.
import Foundation

enum Format {
  static func grouped(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (index, character) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
      out.append(character)
    }
    return value < 0 ? "-" + out : out
  }

  static func giga(_ value: Int) -> String { String(format: "%.2f", Double(value) / 1e9) }

  static func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

  static func bytes(_ value: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var amount = Double(value)
    var unit = 0
    while amount >= 1024 && unit < units.count - 1 {
      amount /= 1024
      unit += 1
    }
    return unit == 0 ? "\(value) B" : String(format: "%.2f %@", amount, units[unit])
  }

  static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }

  /// Left-aligned text columns, numbers right-aligned.
  static func table(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
      row.enumerated().map { index, cell in
        let isNumber = Double(cell.replacingOccurrences(of: ",", with: "").split(separator: " ").first ?? "") != nil
        let pad = String(repeating: " ", count: widths[index] - cell.count)
        return isNumber && index > 0 ? pad + cell : cell + pad
      }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }.joined(separator: "\n")
  }
}
