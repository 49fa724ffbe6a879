// The typed error thrown by every reference operation when its operands or attributes are
// inconsistent. Messages name the op, the operand or attribute, what was expected and what was found.

public enum ReferenceOpError: Error, CustomStringConvertible, Equatable {
  /// An operand has the wrong number of axes.
  case rankMismatch(op: String, operand: String, expectedRank: Int, shape: [Int])
  /// An operand's shape is unusable on its own (zero or negative sizes, overflow).
  case invalidShape(op: String, operand: String, shape: [Int], reason: String)
  /// Two shapes that must agree do not.
  case shapeMismatch(op: String, what: String, expected: [Int], actual: [Int])
  /// An attribute (stride, padding, scale, axis, eps, ...) is out of range or has the wrong length.
  case invalidAttribute(op: String, name: String, value: String, reason: String)

  public var description: String {
    switch self {
    case .rankMismatch(let op, let operand, let expectedRank, let shape):
      return "\(op): operand '\(operand)' must have rank \(expectedRank) but has shape \(shape) (rank \(shape.count)); reshape it or fix the graph that produced it"
    case .invalidShape(let op, let operand, let shape, let reason):
      return "\(op): operand '\(operand)' has invalid shape \(shape): \(reason)"
    case .shapeMismatch(let op, let what, let expected, let actual):
      return "\(op): \(what): expected \(expected), got \(actual); check the operands' shapes"
    case .invalidAttribute(let op, let name, let value, let reason):
      return "\(op): attribute '\(name)' = \(value) is invalid: \(reason)"
    }
  }
}
