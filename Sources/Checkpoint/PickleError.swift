// Errors of the pickle virtual machine: malformed streams, unsupported features, and the limits
// that keep hostile input from exhausting memory or time.

public enum PickleError: Error, CustomStringConvertible, Equatable {
  case truncated(offset: Int, needed: Int)
  case unknownOpcode(offset: Int, opcode: UInt8)
  case malformed(offset: Int, opcode: String, reason: String)
  case unsupported(offset: Int, feature: String)
  case limitExceeded(offset: Int, limit: String)

  public var description: String {
    switch self {
    case .truncated(let offset, let needed):
      return "the pickle ends early (at byte \(offset), \(needed) more bytes needed)"
    case .unknownOpcode(let offset, let opcode):
      return "unknown pickle opcode 0x\(String(opcode, radix: 16)) at byte \(offset)"
    case .malformed(let offset, let opcode, let reason):
      return "malformed pickle at byte \(offset) (\(opcode)): \(reason)"
    case .unsupported(let offset, let feature):
      return "unsupported pickle feature at byte \(offset): \(feature)"
    case .limitExceeded(let offset, let limit):
      return "pickle exceeds a safety limit at byte \(offset): \(limit)"
    }
  }
}

/// Bounds applied while unpickling; the defaults are far above anything torch.save produces.
public struct PickleLimits: Sendable {
  public var maxStackDepth = 1 << 20
  public var maxMarkDepth = 1 << 16
  public var maxMemoEntries = 1 << 22
  public var maxNodes = 1 << 23
  public var maxLineLength = 1 << 16
  public var maxTensorRank = 64

  public init() {}
}
