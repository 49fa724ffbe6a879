// Errors of the Graph IR layer: verification failures name the op (by its result) and the problem;
// parse errors give line and column.

public struct GraphError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Kind: String, Sendable {
    case unknownOp = "unknown op"
    case undefinedValue = "undefined value"
    case undefinedParameter = "undefined parameter"
    case cycle = "cycle"
    case duplicateDefinition = "duplicate definition"
    case operandCount = "wrong operand count"
    case attribute = "bad attribute"
    case shape = "shape mismatch"
    case type = "type mismatch"
    case size = "tensor too large"
    case output = "bad output"
    case parse = "parse error"
  }

  public var kind: Kind
  /// Where: e.g. "conv3d %c0" or "line 3, column 7".
  public var location: String
  public var message: String

  public init(_ kind: Kind, at location: String, _ message: String) {
    self.kind = kind
    self.location = location
    self.message = message
  }

  public var description: String { "\(location): \(kind.rawValue): \(message)" }
}
