// Errors of memory planning and of the independent plan checker: what is wrong, with which
// buffers and kernels, and what to do.

public struct PlanError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Kind: String, Sendable {
    case invalidProgram = "invalid program"
    case missingOffset = "missing offset"
    case misaligned = "misaligned buffer"
    case overlap = "overlapping live buffers"
    case interval = "live interval too short"
    case view = "bad view"
    case inPlace = "illegal in-place reuse"
    case tooLarge = "program too large"
  }

  public var kind: Kind
  public var message: String

  public init(_ kind: Kind, _ message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { "memory plan: \(kind.rawValue): \(message)" }
}
