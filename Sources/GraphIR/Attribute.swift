// Operation attributes: compile-time constants such as strides, paddings, eps and axes.
// Printed as `{name = value, ...}` with keys sorted, so text is deterministic.

public enum Attribute: Hashable, Sendable, CustomStringConvertible {
  case int(Int)
  case ints([Int])
  case float(Double)
  case string(String)
  case bool(Bool)

  public var description: String {
    switch self {
    case .int(let value): return String(value)
    case .ints(let values): return "[" + values.map(String.init).joined(separator: ",") + "]"
    case .float(let value): return Attribute.format(value)
    case .string(let value): return "\"" + Attribute.escape(value) + "\""
    case .bool(let value): return value ? "true" : "false"
    }
  }

  /// Shortest text that parses back to the same Double, always with a '.' or exponent so it
  /// reads back as a float, never as an int.
  static func format(_ value: Double) -> String {
    let text = "\(value)"
    if text.contains(".") || text.contains("e") || text.contains("n") || text.contains("i") {
      return text
    }
    return text + ".0"
  }

  static func escape(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.append(character)
      }
    }
    return out
  }

  public var intValue: Int? {
    if case .int(let value) = self { return value }
    return nil
  }

  public var intsValue: [Int]? {
    if case .ints(let values) = self { return values }
    return nil
  }

  /// Floats, accepting an int literal too (`slope = 1`).
  public var floatValue: Double? {
    switch self {
    case .float(let value): return value
    case .int(let value): return Double(value)
    default: return nil
    }
  }

  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  public var boolValue: Bool? {
    if case .bool(let value) = self { return value }
    return nil
  }
}
