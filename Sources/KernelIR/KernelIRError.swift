// Errors of the Kernel IR layer (parser, verifier, lowering, packing). Like GraphError, each one
// names where (a buffer, a kernel, or a line and column) and says what is wrong.

public struct KernelIRError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Kind: String, Sendable {
    case parse = "parse error"
    case undefinedBuffer = "undefined buffer"
    case duplicateBuffer = "duplicate buffer"
    case layout = "bad layout"
    case size = "size mismatch"
    case operand = "bad operand"
    case attribute = "bad attribute"
    case shape = "shape mismatch"
    case order = "use before definition"
    case interval = "bad live interval"
    case memory = "bad memory assignment"
    case lowering = "cannot lower"
    case packing = "cannot pack"
  }

  public var kind: Kind
  /// Where: e.g. "buffer %conv1", "kernel 12 (conv3d_direct -> %conv1)", "line 3, column 7".
  public var location: String
  public var message: String

  public init(_ kind: Kind, at location: String, _ message: String) {
    self.kind = kind
    self.location = location
    self.message = message
  }

  public var description: String { "\(location): \(kind.rawValue): \(message)" }
}

/// Products of sizes with overflow detection (sizes may come from parsed text).
enum CheckedSize {
  static func product(_ values: [Int]) -> Int? {
    var total = 1
    for value in values {
      guard value >= 0 else { return nil }
      let (result, overflow) = total.multipliedReportingOverflow(by: value)
      if overflow { return nil }
      total = result
    }
    return total
  }

  static func sum(_ values: [Int]) -> Int? {
    var total = 0
    for value in values {
      let (result, overflow) = total.addingReportingOverflow(value)
      if overflow { return nil }
      total = result
    }
    return total
  }

  /// `value` rounded up to the alignment, saturating at Int.max.
  static func aligned(_ value: Int, _ alignment: Int) -> Int {
    roundUp(value, to: max(alignment, 1)) ?? Int.max
  }

  static func roundUp(_ value: Int, to multiple: Int) -> Int? {
    guard multiple > 0, value >= 0 else { return nil }
    let (sum, overflow) = value.addingReportingOverflow(multiple - 1)
    return overflow ? nil : sum / multiple * multiple
  }
}
